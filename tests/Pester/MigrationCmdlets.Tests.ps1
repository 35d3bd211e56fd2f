#Requires -Version 7.4
# The migration cmdlets (Get-SchemaMigrationStatus, Invoke-SchemaMigration, Test-SchemaMigration, New-SchemaMigration)
# in a real pwsh against a real PostgreSQL: parameter sets, pipelines (empty and multi-object too), -WhatIf, -Confirm
# and hosts that cannot prompt, ErrorRecords, format views at 80 and 200 columns, completion, progress, Ctrl+C.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $script:server = Start-TestPostgres
    $script:samples = Get-SampleFolder

    function New-Target {
        $database = New-TestDatabase -Server $script:server
        return [pscustomobject]@{ Database = $database; Connection = (Get-TestConnectionString -Server $script:server -Database $database) }
    }
    function Get-Journal([string] $Database) { Get-JournalId -Server $script:server -Database $Database }
}

AfterAll {
    if ($script:server) {
        Stop-TestPostgres -Server $script:server
    }
}

Describe 'Get-SchemaMigrationStatus' {
    BeforeEach {
        $target = New-Target
        $folder = New-MigrationFolder
    }

    It 'writes one object per migration, all Pending on a fresh database, and creates nothing' {
        $status = Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection
        $status.Id | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        $status.State | Sort-Object -Unique | Should -Be 'Pending'
        $status[0] | Should -BeOfType ([SchemaMigrate.Cmdlets.SchemaMigrationStatus])
        Test-Table -Server $script:server -Database $target.Database -Table 'schema_migrations' | Should -BeFalse
    }

    It 'filters with -State (one or several) after a partial apply' {
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -To '001_core_domain_tables.sql' -Confirm:$false
        (Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State Applied).Id | Should -Be '001_core_domain_tables.sql'
        @(Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State 'Applied', 'Pending').Count | Should -Be 3
        @(Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection | Where-Object State -ne Applied).Count | Should -Be 2
    }

    It 'takes folders from the pipeline, one report per folder' {
        $other = New-MigrationFolder -Empty -Extra @{ '001_only.sql' = 'SELECT 1;' }
        $status = $folder, $other | Get-SchemaMigrationStatus -ConnectionString $target.Connection
        $status.Id | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql', '001_only.sql')
        @(@() | Get-SchemaMigrationStatus -ConnectionString $target.Connection).Count | Should -Be 0
    }

    It 'reads DB_CONN and MIGRATIONS_DIR like the container job, and a relative -Path against the PowerShell location' {
        $saved = $env:DB_CONN, $env:MIGRATIONS_DIR
        try {
            $env:DB_CONN = $target.Connection
            $env:MIGRATIONS_DIR = $folder
            @(Get-SchemaMigrationStatus).Count | Should -Be 3
            Push-Location (Split-Path $folder)
            @(Get-SchemaMigrationStatus (Split-Path $folder -Leaf)).Count | Should -Be 3
        }
        finally {
            Pop-Location
            $env:DB_CONN, $env:MIGRATIONS_DIR = $saved
        }
    }

    It 'fails with MIGRATIONS_DIR_NOT_FOUND naming -Path, the folder as target' {
        $missing = Join-Path $folder 'nope'
        $failure = Get-Failure { Get-SchemaMigrationStatus $missing -ConnectionString $target.Connection }
        $failure.FullyQualifiedErrorId | Should -Be 'MIGRATIONS_DIR_NOT_FOUND,SchemaMigrate.Cmdlets.GetSchemaMigrationStatusCommand'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.TargetObject | Should -Be $missing
        $failure.ErrorDetails.RecommendedAction | Should -Match '-Path'
        $failure.ErrorDetails.RecommendedAction | Should -Not -Match '--migrations-dir'
    }

    It 'fails with DB_UNREACHABLE when nothing listens, and INVALID_ARGUMENT for a malformed connection string' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $failure = Get-Failure { Get-SchemaMigrationStatus $folder -ConnectionString "Host=127.0.0.1;Port=$port;Username=u;Password=p;Timeout=5" }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DB_UNREACHABLE,*'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty

        $failure = Get-Failure { Get-SchemaMigrationStatus $folder -ConnectionString 'Host=127.0.0.1;Port=notaport' }
        $failure.FullyQualifiedErrorId | Should -BeLike 'INVALID_ARGUMENT,*'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Get-Help Get-SchemaMigrationStatus'
        $failure.ErrorDetails.RecommendedAction | Should -Not -Match 'MigrateRunner'
    }

    It 'shows its table at 80 and at 200 columns' -ForEach @(80, 200) {
        $width = $_
        $text = Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection | Out-String -Width $width
        $lines = $text -split "`r?`n" | Where-Object { $_ }
        $lines[0] | Should -Match '^State\s+AppliedAt\s+Id$'
        $lines[2] | Should -Match '^Pending\s+001_core_domain_tables\.sql$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual $width }
    }
}

Describe 'Invoke-SchemaMigration' {
    BeforeEach {
        $target = New-Target
        $folder = New-MigrationFolder
    }

    It '-WhatIf changes nothing, not even the journal, and prints each migration it would apply' {
        $run = Invoke-Pwsh "Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -WhatIf"
        $run.ExitCode | Should -Be 0
        $run.Text | Should -Match 'What if: Performing the operation "Apply migration \(\d+ statements?\)" on target "001_core_domain_tables\.sql on '
        ([regex]::Matches($run.Text, 'What if:')).Count | Should -Be 3
        Test-Table -Server $script:server -Database $target.Database -Table 'schema_migrations' | Should -BeFalse
    }

    It 'applies everything with -Confirm:$false and passes one result per migration through' {
        $results = Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false -PassThru
        $results.Id | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        $results.Outcome | Sort-Object -Unique | Should -Be 'Applied'
        Get-Journal $target.Database | Should -Be $results.Id
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false -PassThru | Should -BeNullOrEmpty
    }

    It 'keeps the journal where -JournalSchema and -JournalTable say, and the status reads it there' {
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -JournalSchema ops -JournalTable journal -Confirm:$false
        Test-Table -Server $script:server -Database $target.Database -Table 'ops.journal' | Should -BeTrue
        Test-Table -Server $script:server -Database $target.Database -Table 'schema_migrations' | Should -BeFalse
        (Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -JournalSchema ops -JournalTable journal).State |
            Should -Be @('Applied', 'Applied', 'Applied')
    }

    It 'speaks PowerShell in JOURNAL_INCOMPATIBLE: -JournalTable, not --journal-table' {
        Invoke-TestSql -Server $script:server -Database $target.Database -Sql 'CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL)' | Out-Null
        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'JOURNAL_INCOMPATIBLE,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.ErrorDetails.RecommendedAction | Should -Match '-JournalTable'
        $failure.ErrorDetails.RecommendedAction | Should -Not -Match '--journal-table'
    }

    It 'applies up to the last of the piped status objects' {
        Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State Pending |
            Select-Object -First 2 |
            Invoke-SchemaMigration -Path $folder -ConnectionString $target.Connection -Confirm:$false
        Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql')
    }

    It 'applies piped status objects from the folder they were read from, without -Path' {
        Push-Location $TestDrive
        try {
            Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State Pending |
                Select-Object -First 1 |
                Invoke-SchemaMigration -ConnectionString $target.Connection -Confirm:$false
        }
        finally {
            Pop-Location
        }
        Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql')
    }

    It 'takes status objects of one folder read through two spellings of its path as one folder' {
        @(Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State Pending | Select-Object -First 1) +
            @(Get-SchemaMigrationStatus ($folder + [IO.Path]::DirectorySeparatorChar) -ConnectionString $target.Connection -State Pending | Select-Object -First 2 | Select-Object -Last 1) |
            Invoke-SchemaMigration -ConnectionString $target.Connection -Confirm:$false
        Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql')
    }

    It 'refuses status objects piped from two folders, applying nothing' {
        $other = New-MigrationFolder
        $failure = Get-Failure {
            @(Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection) + @(Get-SchemaMigrationStatus $other -ConnectionString $target.Connection) |
                Invoke-SchemaMigration -ConnectionString $target.Connection -Confirm:$false
        }
        $failure.FullyQualifiedErrorId | Should -Be 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.ErrorDetails.Message | Should -Match 'two folders'
        $failure.ErrorDetails.RecommendedAction | Should -Match "one folder's migrations per call"
        Get-Journal $target.Database | Should -BeNullOrEmpty
    }

    It 'applies nothing, and says so, when the pipeline brings nothing' {
        $warnings = $null
        Get-SchemaMigrationStatus $folder -ConnectionString $target.Connection -State Pending |
            Where-Object Id -eq '002_typo.sql' |
            Invoke-SchemaMigration -Path $folder -ConnectionString $target.Connection -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        Get-Journal $target.Database | Should -BeNullOrEmpty
        Test-Table -Server $script:server -Database $target.Database -Table 'accounts' | Should -BeFalse
        "$warnings" | Should -Match 'no migration id was piped in, so nothing was applied'
        @() | Invoke-SchemaMigration -Path $folder -ConnectionString $target.Connection -Confirm:$false -WarningAction SilentlyContinue
        Get-Journal $target.Database | Should -BeNullOrEmpty
    }

    It 'refuses to prompt in a non-interactive host: CONFIRMATION_REQUIRED telling to pass -Confirm:$false, nothing applied' {
        $run = Invoke-Pwsh @"
try { Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' }
catch { "ID=`$(`$_.FullyQualifiedErrorId)"; "CATEGORY=`$(`$_.CategoryInfo.Category)"; "ACTION=`$(`$_.ErrorDetails.RecommendedAction)"; "MESSAGE=`$(`$_.ErrorDetails.Message)" }
"@
        $run.Text | Should -Match 'ID=CONFIRMATION_REQUIRED,SchemaMigrate\.Cmdlets\.InvokeSchemaMigrationCommand'
        $run.Text | Should -Match 'CATEGORY=InvalidOperation'
        $run.Text | Should -Match 'ACTION=Pass -Confirm:\$false'
        $run.Text | Should -Match 'MESSAGE=Invoke-SchemaMigration asks before it changes anything .*pass -Confirm:\$false'
        $run.Text | Should -Not -Match 'UNEXPECTED_ERROR'
        Get-Journal $target.Database | Should -BeNullOrEmpty
    }

    It 'refuses to prompt in a runspace without a user interface the same way' {
        $session = Invoke-InRunspace -Script 'Invoke-SchemaMigration $folder -ConnectionString $connection' -Variables @{ folder = $folder; connection = $target.Connection }
        $session.Errors[0].FullyQualifiedErrorId | Should -Be 'CONFIRMATION_REQUIRED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        Get-Journal $target.Database | Should -BeNullOrEmpty
    }

    It 'accepts durations as 5s and seconds, and refuses anything else while binding' {
        { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -LockTimeout 5s -LockWait 30 -WhatIf } | Should -Not -Throw
        { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -LockTimeout soon -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -LockRetries 101 -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
    }

    It 'speaks PowerShell in TARGET_NOT_FOUND: -To and Get-SchemaMigrationStatus, not --to' {
        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -To '009_missing.sql' -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'TARGET_NOT_FOUND,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.ErrorDetails.Message | Should -Match '^-To 009_missing\.sql: no such migration'
        $failure.ErrorDetails.RecommendedAction | Should -Be 'Use an id listed by Get-SchemaMigrationStatus (the full file name).'
        $failure.Exception.Message | Should -Not -Match '--to'
    }

    It 'speaks PowerShell in INVALID_ARGUMENT from a setting: Get-Help, not MigrateRunner --help' {
        $env:SCHEMAMIGRATE_LOCK_RETRIES = 'many'
        try {
            $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false }
        }
        finally {
            Remove-Item Env:SCHEMAMIGRATE_LOCK_RETRIES
        }
        $failure.FullyQualifiedErrorId | Should -Be 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.ErrorDetails.RecommendedAction | Should -Match '`Get-Help Invoke-SchemaMigration -Parameter \*` lists every option'
    }

    It 'completes -To with the migration ids of -Path' {
        $line = "Invoke-SchemaMigration -Path '$folder' -To 00"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $completions.CompletionText | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        $line = "Invoke-SchemaMigration -Path '$folder' -To 002"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be '002_create_api_keys_table.sql'
    }

    It 'completes -To for a -Path on a PowerShell drive, resolved as the cmdlet resolves it' {
        New-PSDrive -Name smcomplete -PSProvider FileSystem -Root $folder | Out-Null
        try {
            $line = "Invoke-SchemaMigration -Path smcomplete:/ -To 002"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be '002_create_api_keys_table.sql'
        }
        finally {
            Remove-PSDrive -Name smcomplete
        }
    }

    It 'keeps the progress bar on the migration that runs, repeating it while a statement takes long' {
        $slow = New-MigrationFolder -Extra @{ '004_slow.sql' = 'SELECT pg_sleep(1.5);' }
        $session = Invoke-InRunspace -Script 'Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false' -Variables @{ folder = $slow; connection = $target.Connection }
        $session.Errors | Should -BeNullOrEmpty
        $processing = @($session.Progress | Where-Object RecordType -eq 'Processing')
        $processing.StatusDescription | Select-Object -Unique | Should -Be @('001_core_domain_tables.sql (1/4)', '002_create_api_keys_table.sql (2/4)', '003_add_indexes.sql (3/4)', '004_slow.sql (4/4)')
        @($processing | Where-Object StatusDescription -eq '004_slow.sql (4/4)').Count | Should -BeGreaterThan 2
        $session.Progress[-1].RecordType | Should -Be 'Completed'
    }

    Context 'when a migration fails' {
        BeforeEach {
            $folder = New-MigrationFolder -Extra @{ '004_create_orders.sql' = "CREATE TABLE orders (`n    id bigint PRIMARY KEY,`n    account_id bigint REFERENCES acounts (id)`n);" }
        }

        It 'throws SQL_APPLY_FAILED naming file, line, category, SQLSTATE and next step; what ran before stays applied' {
            $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false }
            $failure.FullyQualifiedErrorId | Should -Be 'SQL_APPLY_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
            $failure.TargetObject | Should -Be '004_create_orders.sql'
            $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
            # PostgreSQL gives no position for a missing referenced table: the line is the statement's first.
            $failure.ErrorDetails.Message | Should -Match '^004_create_orders\.sql:1: 42P01 relation "acounts" does not exist'
            $failure.ErrorDetails.RecommendedAction | Should -Match 'Fix the statement'
            $failure.Exception.Failure.SqlState | Should -Be '42P01'
            Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
            Test-Table -Server $script:server -Database $target.Database -Table 'orders' | Should -BeFalse
        }

        It 'keeps the tables printed before a terminating error in the same script' {
            $run = Invoke-Pwsh @"
`$ErrorActionPreference = 'Stop'
Get-SchemaMigrationStatus '$folder' -ConnectionString '$($target.Connection)'
Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -Confirm:`$false
"@
            $run.ExitCode | Should -Be 1
            $run.Text | Should -Match '(?m)^Pending\s+004_create_orders\.sql$'
            $passThru = Invoke-Pwsh @"
`$ErrorActionPreference = 'Stop'
Invoke-SchemaMigration '$folder' -ConnectionString '$((New-Target).Connection)' -Confirm:`$false -PassThru
"@
            $passThru.ExitCode | Should -Be 1
            $passThru.Text | Should -Match '(?m)^Applied\s+\d+\.\d{3}s\s+4 003_add_indexes\.sql$'
            $passThru.Text | Should -Match 'relation "acounts" does not exist'
        }

        It 'shows what it applied before the failure under $ErrorActionPreference = Stop, piped to Format-Table' {
            $run = Invoke-Pwsh @"
`$ErrorActionPreference = 'Stop'
Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -Confirm:`$false -PassThru | Format-Table
'not reached'
"@
            $run.ExitCode | Should -Be 1
            $run.Text | Should -Not -Match 'not reached'
            $run.Text | Should -Match 'applied before it in this run: 001_core_domain_tables\.sql, 002_create_api_keys_table\.sql, 003_add_indexes\.sql'
            $run.Text | Should -Match 'SQL_APPLY_FAILED|relation "acounts" does not exist'
        }
    }

    It 'reports a wrong password as DB_AUTH_FAILED, with the PowerShell parameter to fix, without printing it' {
        $secret = 'Wr0ng-' + [guid]::NewGuid().ToString('N')
        $credential = [pscredential]::new($script:server.User, (ConvertTo-SecureString $secret -AsPlainText -Force))
        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Credential $credential -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'DB_AUTH_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.ErrorDetails.RecommendedAction | Should -Match '-ConnectionString or DB_CONN'
        $failure.ErrorDetails.RecommendedAction | Should -Match '-Auth entra'
        $text = ($failure | Format-List * -Force | Out-String) + ($failure.Exception | Format-List * -Force | Out-String)
        $text | Should -Match "as $($script:server.User)"
        $text | Should -Not -Match ([regex]::Escape($secret))
        $text | Should -Not -Match ([regex]::Escape($script:server.Password))
    }

    It 'shows its -PassThru table at 80 and 200 columns' -ForEach @(80, 200) {
        $width = $_
        $text = Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false -PassThru | Out-String -Width $width
        $lines = $text -split "`r?`n" | Where-Object { $_ }
        $lines[0] | Should -Match '^Outcome\s+Elapsed\s+Statements\s+Id$'
        $lines[2] | Should -Match '^Applied\s+\d+\.\d{3}s\s+6 001_core_domain_tables\.sql$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual $width }
    }
}

Describe 'The ErrorRecord of each reason Invoke-SchemaMigration can raise' {
    BeforeEach {
        $target = New-Target
    }

    It 'DB_CONNECTION_FAILED for a database that does not exist' {
        $connection = Get-TestConnectionString -Server $script:server -Database 'no_such_database'
        $failure = Get-Failure { Invoke-SchemaMigration (New-MigrationFolder) -ConnectionString $connection -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'DB_CONNECTION_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure.Exception.Failure.SqlState | Should -Be '3D000'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'database name'
    }

    It 'JOURNAL_INCOMPATIBLE for a schema_migrations table of another shape' {
        Invoke-TestSql -Server $script:server -Database $target.Database -Sql 'CREATE TABLE schema_migrations (version bigint)' | Out-Null
        $failure = Get-Failure { Invoke-SchemaMigration (New-MigrationFolder) -ConnectionString $target.Connection -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'JOURNAL_INCOMPATIBLE,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'INTEGRITY_CHECK_FAILED under -Strict for an applied file that changed, in PowerShell terms' {
        $folder = New-MigrationFolder
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -To '001_core_domain_tables.sql' -Confirm:$false
        Add-Content (Join-Path $folder '001_core_domain_tables.sql') "`n-- edited after it was applied"
        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Strict -Confirm:$false -WarningAction SilentlyContinue }
        $failure.FullyQualifiedErrorId | Should -Be 'INTEGRITY_CHECK_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'InvalidData'
        $failure.TargetObject | Should -Be '001_core_domain_tables.sql'
        $failure.ErrorDetails.Message | Should -Match '^-Strict: nothing was applied because 001_core_domain_tables\.sql is Modified'
        Get-Journal $target.Database | Should -Be '001_core_domain_tables.sql'
    }

    It 'STATEMENT_TIMEOUT naming SCHEMAMIGRATE_STATEMENT_TIMEOUT, the cmdlets'' way to set it' {
        $folder = New-MigrationFolder -Extra @{ '004_slow.sql' = 'SELECT pg_sleep(5);' }
        $env:SCHEMAMIGRATE_STATEMENT_TIMEOUT = '1s'
        try {
            $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false }
        }
        finally {
            Remove-Item Env:SCHEMAMIGRATE_STATEMENT_TIMEOUT
        }
        $failure.FullyQualifiedErrorId | Should -Be 'STATEMENT_TIMEOUT,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failure.TargetObject | Should -Be '004_slow.sql'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'raise SCHEMAMIGRATE_STATEMENT_TIMEOUT or the file''s statement-timeout directive'
    }

    It 'LOCK_TIMEOUT naming -LockRetries, not --lock-retries, when another session holds the table' {
        $folder = New-MigrationFolder
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false
        Set-Content (Join-Path $folder '004_alter.sql') 'ALTER TABLE api_keys ADD COLUMN note text;'
        # Another session holds the table: psql, in a transaction that sleeps.
        $start = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $script:server.Bin 'psql'))
        foreach ($argument in @('-h', $script:server.Host, '-p', $script:server.Port, '-U', $script:server.User, '-d', $target.Database, '-X', '-q',
                '-c', 'BEGIN; LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;')) {
            $start.ArgumentList.Add([string]$argument)
        }
        $start.Environment['PGPASSWORD'] = $script:server.Password
        $start.RedirectStandardOutput = $true
        $holder = [System.Diagnostics.Process]::Start($start)
        try {
            $deadline = (Get-Date).AddSeconds(20)
            while ((Invoke-TestSql -Server $script:server -Database $target.Database -Sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'api_keys' AND l.mode = 'AccessExclusiveLock' AND l.granted") -ne '1' -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -LockTimeout 500ms -LockRetries 0 -Confirm:$false }
        }
        finally {
            $holder.Kill()
            $holder.WaitForExit()
        }
        $failure.FullyQualifiedErrorId | Should -Be 'LOCK_TIMEOUT,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $failure.TargetObject | Should -Be '004_alter.sql'
        $failure.ErrorDetails.Message | Should -Match 'not retried \(-LockRetries 0\)'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'raise -LockTimeout only if'
        "$($failure.ErrorDetails.Message) $($failure.ErrorDetails.RecommendedAction)" | Should -Not -Match '--lock'
    }

    It 'MIGRATION_LOCK_BUSY naming -LockWait when another run holds the migration lock' {
        $folder = New-MigrationFolder -Extra @{ '004_long.sql' = 'SELECT pg_sleep(20);' }
        $holder = [powershell]::Create()
        $holder.AddScript("Import-Module '$(Get-ModuleManifestPath)'; Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -Confirm:`$false") | Out-Null
        $null = $holder.BeginInvoke()
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (@($holder.Streams.Progress | Where-Object StatusDescription -like '004_long.sql*').Count) -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -LockWait 1s -Confirm:$false -WarningAction SilentlyContinue }
        }
        finally {
            $holder.Stop()
            $holder.Dispose()
        }
        $failure.FullyQualifiedErrorId | Should -Be 'MIGRATION_LOCK_BUSY,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $failure.ErrorDetails.Message | Should -Match '\(-LockWait\)'
    }

    It 'CONNECTION_LOST when the server ends the session mid-migration; the migration rolls back' {
        $folder = New-MigrationFolder -Extra @{ '004_long.sql' = "CREATE TABLE doomed (id int);`nSELECT pg_sleep(30);" }
        $session = [powershell]::Create()
        $session.AddScript("Import-Module '$(Get-ModuleManifestPath)'; Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -Confirm:`$false") | Out-Null
        $handle = $session.BeginInvoke()
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while ((Invoke-TestSql -Server $script:server -Sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'") -eq '0' -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            Invoke-TestSql -Server $script:server -Sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'" | Out-Null
            $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(30)) | Should -BeTrue
            $failure = $session.Streams.Error[0]
        }
        finally {
            $session.Dispose()
        }
        $failure.FullyQualifiedErrorId | Should -Be 'CONNECTION_LOST,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        Test-Table -Server $script:server -Database $target.Database -Table 'doomed' | Should -BeFalse
    }
}

Describe 'The ErrorRecord of each reason Test-SchemaMigration -Verify can raise' {
    It 'DEV_DATABASE_FAILED naming -DevDatabase when no PostgreSQL binaries are found' {
        $saved = $env:SCHEMAMIGRATE_PG_BIN
        $env:SCHEMAMIGRATE_PG_BIN = Join-Path ([System.IO.Path]::GetTempPath()) 'no-postgres-here'
        try {
            $failure = Get-Failure { Test-SchemaMigration (Get-SampleFolder) -AppliedThrough none -Verify }
        }
        finally {
            if ($null -eq $saved) { Remove-Item Env:SCHEMAMIGRATE_PG_BIN } else { $env:SCHEMAMIGRATE_PG_BIN = $saved }
        }
        $failure.FullyQualifiedErrorId | Should -Be 'DEV_DATABASE_FAILED,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'or pass -DevDatabase with a server'
    }
}

Describe 'Ctrl+C in Invoke-SchemaMigration' {
    BeforeEach {
        $target = New-Target
    }

    It 'is honoured at once while connecting, and leaves CANCELLED in $Error' {
        # A server that accepts the connection and never answers: Npgsql would wait out its Timeout (60 s here).
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $connection = "Host=127.0.0.1;Port=$($silent.LocalEndpoint.Port);Username=u;Password=p;Timeout=60"
            $started = [System.Diagnostics.Stopwatch]::StartNew()
            $session = Invoke-InRunspace -Script 'Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false' `
                -Variables @{ folder = (New-MigrationFolder); connection = $connection } -StopWhen { $started.Elapsed.TotalSeconds -gt 1.5 }
        }
        finally {
            $silent.Stop()
        }
        $session.State | Should -Be 'Stopped'
        $session.StoppedAfter.TotalSeconds | Should -BeLessThan 30 -Because 'Npgsql alone would wait out the 60 s Timeout (generous: the machine may be loaded)'
        $session.LastError.FullyQualifiedErrorId | Should -Be 'CANCELLED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $session.LastError.CategoryInfo.Category | Should -Be 'OperationStopped'
    }

    It 'is honoured while running a statement: the migration rolls back with its journal row' {
        $folder = New-MigrationFolder -Extra @{ '004_long.sql' = "CREATE TABLE long_running (id int);`nSELECT pg_sleep(60);" }
        $session = Invoke-InRunspace -Script 'Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false' `
            -Variables @{ folder = $folder; connection = $target.Connection } -StopWhen { param($ps) @($ps.Streams.Progress | Where-Object StatusDescription -like '004_long.sql*').Count -gt 0 }
        $session.State | Should -Be 'Stopped'
        $session.StoppedAfter.TotalSeconds | Should -BeLessThan 30
        $session.LastError.FullyQualifiedErrorId | Should -Be 'CANCELLED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        Test-Table -Server $script:server -Database $target.Database -Table 'long_running' | Should -BeFalse
    }

    It 'is honoured while waiting for the migration lock another run holds' {
        $folder = New-MigrationFolder -Extra @{ '004_long.sql' = 'SELECT pg_sleep(20);' }
        $holder = [powershell]::Create()
        $holder.AddScript("Import-Module '$(Get-ModuleManifestPath)'; Invoke-SchemaMigration '$folder' -ConnectionString '$($target.Connection)' -Confirm:`$false") | Out-Null
        $holding = $holder.BeginInvoke()
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (@($holder.Streams.Progress | Where-Object StatusDescription -like '004_long.sql*').Count) -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $session = Invoke-InRunspace -Script 'Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false -LockWait 60' `
                -Variables @{ folder = $folder; connection = $target.Connection } -StopWhen { param($ps) @($ps.Streams.Warning | Where-Object Message -like 'waiting up to*').Count -gt 0 }
            $session.State | Should -Be 'Stopped'
            $session.StoppedAfter.TotalSeconds | Should -BeLessThan 30
            $session.LastError.FullyQualifiedErrorId | Should -Be 'CANCELLED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        }
        finally {
            $holder.Stop()
            $holder.Dispose()
        }
    }
}

Describe 'Test-SchemaMigration' {
    It 'passes the sample migrations (parameter set Static)' {
        $results = Test-SchemaMigration $script:samples -AppliedThrough none
        @($results).Count | Should -Be 3
        $results.Valid | Sort-Object -Unique | Should -BeTrue
        $results.Verified | Sort-Object -Unique | Should -BeFalse
        (Get-Command Test-SchemaMigration).ParameterSets.Name | Sort-Object | Should -Be @('Static', 'Trace', 'Verify')
    }

    It 'reports each problem as a non-terminating MIGRATION_INVALID error targeting the file' {
        $folder = New-MigrationFolder -Extra @{ '004_typo.sql' = "-- schemamigrate:no-transacton`nSELECT 1;"; '005_shout.SQL' = 'SELECT 1;' }
        $results = Test-SchemaMigration $folder -AppliedThrough none -ErrorVariable problems -ErrorAction SilentlyContinue
        @($problems).Count | Should -Be 2
        $problems.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'MIGRATION_INVALID,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $problems.CategoryInfo.Category | Sort-Object -Unique | Should -Be 'InvalidData'
        $problems.TargetObject | Sort-Object | Should -Be @('004_typo.sql', '005_shout.SQL')
        ($results | Where-Object { -not $_.Valid }).Id | Sort-Object | Should -Be @('004_typo.sql', '005_shout.SQL')
    }

    It 'refuses what Invoke-SchemaMigration refuses: <Name>' -ForEach @(
        @{ Name = 'CONCURRENTLY without no-transaction'; File = '004_index.sql'; Text = "SELECT 1;`nCREATE INDEX CONCURRENTLY api_keys_x ON api_keys (id);"; Line = 2 }
        @{ Name = 'BEGIN and COMMIT in a file'; File = '004_tx.sql'; Text = "BEGIN;`nCREATE TABLE t (id int);`nCOMMIT;"; Line = 1 }
    ) {
        $folder = New-MigrationFolder -Extra @{ $File = $Text }
        $results = Test-SchemaMigration $folder -AppliedThrough none -ErrorVariable problems -ErrorAction SilentlyContinue
        ($results | Where-Object Id -eq $File).Valid | Should -BeFalse
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'MIGRATION_INVALID,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $problems[0].ErrorDetails.Message | Should -Match "^$([regex]::Escape($File)):$($Line): "

        $target = New-Target
        $applyFailure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false }
        $applyFailure.FullyQualifiedErrorId | Should -BeLike 'MIGRATION_INVALID,*'
        $applyFailure.ErrorDetails.Message | Should -Be $problems[0].ErrorDetails.Message
    }

    It 'takes folders from the pipeline' {
        $results = $script:samples, (New-MigrationFolder) | Test-SchemaMigration -AppliedThrough none
        @($results).Count | Should -Be 6
    }

    It 'names -AppliedThrough, not the runner option, for an id that is not in the folder' {
        $failure = Get-Failure { Test-SchemaMigration $script:samples -AppliedThrough 009_nope.sql }
        $failure.FullyQualifiedErrorId | Should -Be 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $failure.ErrorDetails.Message | Should -Match '^-AppliedThrough 009_nope\.sql: no such file'
        $failure.ErrorDetails.Message | Should -Not -Match '--applied-through'
    }

    It 'reads the journal of DB_CONN without -AppliedThrough, naming DB_CONN (it has no -ConnectionString) when it is unreachable' {
        $saved = $env:DB_CONN
        try {
            $env:DB_CONN = 'Host=127.0.0.1;Port=1;Database=app;Username=migrator;Password=not-shown-4411'
            $failure = Get-Failure { Test-SchemaMigration $script:samples }
        }
        finally {
            $env:DB_CONN = $saved
        }
        $failure.FullyQualifiedErrorId | Should -Be 'DB_UNREACHABLE,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'DB_CONN'
        $failure.ErrorDetails.RecommendedAction | Should -Not -Match '-ConnectionString'
        ($failure | Format-List * -Force | Out-String) | Should -Not -Match 'not-shown-4411'
    }

    It 'verifies against a scratch database (parameter set Verify)' {
        $results = Test-SchemaMigration $script:samples -AppliedThrough none -Verify -DevDatabase (Get-TestConnectionString -Server $script:server)
        $results.Verified | Sort-Object -Unique | Should -BeTrue
    }

    It 'traces the pending statements on a copy of the target (parameter set Trace)' {
        $target = New-Target
        $folder = New-MigrationFolder
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false
        Set-Content -LiteralPath (Join-Path $folder '004_users_token.sql') -Value 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();' -NoNewline

        $results = Test-SchemaMigration $folder -Trace -DevDatabase $target.Connection -ErrorVariable problems -ErrorAction SilentlyContinue

        $traced = ($results | Where-Object Id -eq '004_users_token.sql').Trace
        @($traced).Count | Should -Be 1
        $traced[0] | Should -BeOfType ([SchemaMigrate.Cmdlets.SchemaMigrationTracedStatement])
        $traced[0].StrongestLock | Should -Be 'AccessExclusiveLock on users'
        $traced[0].Blocks | Should -Be @('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DDL')
        @($traced[0].Rewrites -match '^users \(\d+ bytes\)$').Count | Should -Be 1
        $traced[0].Predictions | Should -Match '^Confirmed: adding-field-with-default'
        ($results | Where-Object Id -eq '001_core_domain_tables.sql').Trace | Should -BeNullOrEmpty
        $problems.FullyQualifiedErrorId | Should -Contain 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        # The copy was a scratch database: the target itself still has three migrations and no token column.
        Get-Journal $target.Database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
    }

    It 'names -DevDatabase, not the DB_CONN secret, when the dev server refuses the password' {
        $wrong = Get-TestConnectionString -Server $script:server -Password ('Wr0ng-' + [guid]::NewGuid().ToString('N'))
        $failure = Get-Failure { Test-SchemaMigration $script:samples -AppliedThrough none -Verify -DevDatabase $wrong }
        $failure.FullyQualifiedErrorId | Should -Be 'DB_AUTH_FAILED,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Fix the user or password in -DevDatabase'
        $failure.ErrorDetails.RecommendedAction | Should -Not -Match 'DB_CONN|--'
    }

    It 'shows its table at 80 and 200 columns' -ForEach @(80, 200) {
        $width = $_
        $lines = (Test-SchemaMigration $script:samples -AppliedThrough none | Out-String -Width $width) -split "`r?`n" | Where-Object { $_ }
        $lines[0] | Should -Match '^Valid\s+Verified\s+Statements\s+Id$'
        $lines[2] | Should -Match '^True\s+False\s+6 001_core_domain_tables\.sql$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual $width }
    }
}

Describe 'Invoke-SchemaMigration -RequireTrace' {
    It 'refuses, before anything runs, a migration the trace report does not cover' {
        $target = New-Target
        $folder = New-MigrationFolder
        $first = Join-Path $folder '001_core_domain_tables.sql'
        $report = Join-Path $folder '..' ('trace-' + [guid]::NewGuid().ToString('N') + '.jsonl')
        # The report as verify --trace --format json writes it, covering the first file only.
        Set-Content -LiteralPath $report -Value ('{"event":"trace.file","id":"001_core_domain_tables.sql","checksum":"' + (Get-FileHash $first -Algorithm SHA256).Hash.ToLowerInvariant() + '","statements":6}')

        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -RequireTrace $report -Confirm:$false }

        $failure.FullyQualifiedErrorId | Should -Be 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.ErrorDetails.Message | Should -Match '^-RequireTrace .*: nothing was applied because 002_create_api_keys_table\.sql is not in the trace report; 003_add_indexes\.sql is not in the trace report$'
        Test-Table -Server $script:server -Database $target.Database -Table 'accounts' | Should -BeFalse
    }

    It 'names a report it cannot read with TRACE_REPORT_INVALID' {
        $target = New-Target
        $failure = Get-Failure { Invoke-SchemaMigration (New-MigrationFolder) -ConnectionString $target.Connection -RequireTrace ./no-such-report.jsonl -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'TRACE_REPORT_INVALID,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.ErrorDetails.Message | Should -Match '^-RequireTrace .*no-such-report\.jsonl: '
    }
}

Describe 'The deploy gate' {
    BeforeEach {
        $target = New-Target
        $folder = New-MigrationFolder
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false
        Set-Content -LiteralPath (Join-Path $folder '004_drop_display_name.sql') -NoNewline -Value "-- schemamigrate:contract`nALTER TABLE users DROP COLUMN display_name;"
    }

    It 'refuses a contract file with POLICY_VIOLATION whose recommended action names the rule page, applying nothing' {
        $failure = Get-Failure { Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop }
        $failure.FullyQualifiedErrorId | Should -Be 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure.ErrorDetails.RecommendedAction | Should -Match '^Read docs/gate/phase-not-allowed\.md'
        $failure.TargetObject | Should -Be '004_drop_display_name.sql'
        Get-Journal $target.Database | Should -Not -Contain '004_drop_display_name.sql'
    }

    It 'applies it with -Allow Contract, and Test-SchemaMigration reports the findings as objects' {
        Invoke-SchemaMigration $folder -ConnectionString $target.Connection -Allow Contract -Confirm:$false -WarningAction SilentlyContinue
        Get-Journal $target.Database | Should -Contain '004_drop_display_name.sql'

        $results = Test-SchemaMigration $folder -AppliedThrough 003_add_indexes.sql -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($problems).Count | Should -Be 2
        $problems.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand'
        $drop = ($results | Where-Object Id -eq '004_drop_display_name.sql').Findings | Where-Object RuleId -eq 'ban-drop-column'
        $drop.Verdict | Should -Be 'Refused'
        $drop.HelpUri | Should -Match '/docs/gate/ban-drop-column\.md$'
        { Test-SchemaMigration $folder -AppliedThrough 003_add_indexes.sql -Allow Contract -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Not -Throw
    }
}

Describe 'New-SchemaMigration' {
    It 'creates the next zero-padded file, which Test-SchemaMigration passes once it holds SQL' {
        $folder = New-MigrationFolder
        $file = New-SchemaMigration add_orders_table -Path $folder
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.Name | Should -Be '004_add_orders_table.sql'
        # Only the template's comments: applied as it is, it would be recorded as done and SQL added later would never run.
        $template = Test-SchemaMigration $folder -AppliedThrough none -ErrorAction SilentlyContinue -ErrorVariable refused | Where-Object Id -eq '004_add_orders_table.sql'
        $template.Valid | Should -BeFalse
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'MIGRATION_INVALID*'
        $refused[0].ToString() | Should -BeLike '*holds only comments*'
        Add-Content -LiteralPath $file.FullName -Value 'CREATE TABLE orders (id bigint PRIMARY KEY);'
        (Test-SchemaMigration $folder -AppliedThrough none | Where-Object Id -eq '004_add_orders_table.sql').Valid | Should -BeTrue
    }

    It 'takes names from the pipeline, one file each, and nothing from an empty one' {
        $folder = New-MigrationFolder
        ('add_orders', 'add_invoices' | New-SchemaMigration -Path $folder).Name | Should -Be @('004_add_orders.sql', '005_add_invoices.sql')
        @(@() | New-SchemaMigration -Path $folder).Count | Should -Be 0
        @(Get-ChildItem $folder).Count | Should -Be 5
    }

    It 'creates nothing under -WhatIf' {
        $folder = New-MigrationFolder
        New-SchemaMigration add_orders_table -Path $folder -WhatIf
        @(Get-ChildItem $folder).Count | Should -Be 3
    }

    It 'refuses a name that is not snake_case with INVALID_ARGUMENT' {
        $failure = Get-Failure { New-SchemaMigration 'Add Orders' -Path (New-MigrationFolder) }
        $failure.FullyQualifiedErrorId | Should -Be 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.NewSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}
