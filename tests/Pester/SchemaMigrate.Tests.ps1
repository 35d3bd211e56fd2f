#Requires -Version 7.4
# Pester 5 suite for the published module (out/SchemaMigrate). build.ps1 -Task Pester runs it in a fresh pwsh, because
# a loaded binary module cannot be unloaded. Needs a PostgreSQL: see TestPostgres.psm1.

BeforeDiscovery {
    $script:azAccounts = @(Get-Module -ListAvailable -Name Az.Accounts | Select-Object -First 1)
}

BeforeAll {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
    $script:manifest = Join-Path $repo 'out' 'SchemaMigrate' 'SchemaMigrate.psd1'
    $script:samples = Join-Path $repo 'ops' 'migrations'
    Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1') -Force
    Import-Module $script:manifest -Force
    $script:server = Start-TestPostgres

    function New-MigrationFolder {
        param([hashtable] $Extra = @{})
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        Copy-Item -Path (Join-Path $script:samples '*.sql') -Destination $folder
        foreach ($name in $Extra.Keys) {
            Set-Content -LiteralPath (Join-Path $folder $name) -Value $Extra[$name] -NoNewline
        }
        return $folder
    }

    function Get-JournalId {
        param([string] $Database)
        return @(Invoke-TestSql -Server $script:server -Database $Database -Sql 'SELECT id FROM schema_migrations ORDER BY id')
    }

    function Test-Table {
        param([string] $Database, [string] $Table)
        return (Invoke-TestSql -Server $script:server -Database $Database -Sql "SELECT to_regclass('$Table') IS NOT NULL") -eq 't'
    }
}

AfterAll {
    Remove-Module SchemaMigrate -ErrorAction SilentlyContinue
    if ($script:server) {
        Stop-TestPostgres -Server $script:server
    }
}

Describe 'The module' {
    It 'exports exactly the migration cmdlets' {
        $names = (Get-Command -Module SchemaMigrate).Name | Sort-Object
        $names | Should -Be @('Get-SchemaMigrationStatus', 'Invoke-SchemaMigration', 'New-SchemaMigration', 'Test-SchemaMigration')
    }

    It 'has help with an example for <_>' -ForEach @('Get-SchemaMigrationStatus', 'Invoke-SchemaMigration', 'New-SchemaMigration', 'Test-SchemaMigration') {
        $help = Get-Help $_ -Examples
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }

    It 'has about_SchemaMigrate' {
        Get-Help about_SchemaMigrate | Out-String | Should -Match 'Confirm:\$false'
    }

    It 'runs the engine in its own load context' {
        Test-SchemaMigration $script:samples | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SchemaMigrate.Engine' }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'SchemaMigrate'
    }
}

Describe 'Get-SchemaMigrationStatus' {
    BeforeEach {
        $database = New-TestDatabase -Server $script:server
        $connection = Get-TestConnectionString -Server $script:server -Database $database
        $folder = New-MigrationFolder
    }

    It 'writes one object per migration, all Pending on a fresh database, and creates nothing' {
        $status = Get-SchemaMigrationStatus $folder -ConnectionString $connection
        $status.Id | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        $status | ForEach-Object { $_.State | Should -Be ([SchemaMigrate.Cmdlets.SchemaMigrationState]::Pending) }
        Test-Table -Database $database -Table 'schema_migrations' | Should -BeFalse
    }

    It 'filters with Where-Object and -State after a partial apply' {
        Invoke-SchemaMigration $folder -ConnectionString $connection -To '001_core_domain_tables.sql' -Confirm:$false
        @(Get-SchemaMigrationStatus $folder -ConnectionString $connection | Where-Object State -ne Applied).Count | Should -Be 2
        (Get-SchemaMigrationStatus $folder -ConnectionString $connection -State Applied).Id | Should -Be '001_core_domain_tables.sql'
    }

    It 'reads DB_CONN and MIGRATIONS_DIR like the container job' {
        $saved = $env:DB_CONN, $env:MIGRATIONS_DIR
        try {
            $env:DB_CONN = $connection
            $env:MIGRATIONS_DIR = $folder
            @(Get-SchemaMigrationStatus).Count | Should -Be 3
        }
        finally {
            $env:DB_CONN, $env:MIGRATIONS_DIR = $saved
        }
    }

    It 'shows a table by default' {
        $text = Get-SchemaMigrationStatus $folder -ConnectionString $connection | Out-String
        $text | Should -Match 'State\s+Id\s+AppliedAt\s+Directives'
        $text | Should -Match 'Pending\s+001_core_domain_tables\.sql'
    }
}

Describe 'Invoke-SchemaMigration' {
    BeforeEach {
        $database = New-TestDatabase -Server $script:server
        $connection = Get-TestConnectionString -Server $script:server -Database $database
        $folder = New-MigrationFolder
    }

    It '-WhatIf changes nothing, not even the journal' {
        Invoke-SchemaMigration $folder -ConnectionString $connection -WhatIf
        Test-Table -Database $database -Table 'schema_migrations' | Should -BeFalse
        Test-Table -Database $database -Table 'api_keys' | Should -BeFalse
    }

    It 'applies everything with -Confirm:$false and passes one result per migration through' {
        $results = Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false -PassThru
        $results.Id | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
        $results | ForEach-Object { $_.Outcome | Should -Be 'Applied' }
        Get-JournalId -Database $database | Should -Be $results.Id
        Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false -PassThru | Should -BeNullOrEmpty
    }

    It 'takes -To from piped status objects' {
        Get-SchemaMigrationStatus $folder -ConnectionString $connection -State Pending |
            Select-Object -First 2 |
            Invoke-SchemaMigration -Path $folder -ConnectionString $connection -Confirm:$false
        Get-JournalId -Database $database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql')
    }

    It 'accepts durations as 5s, seconds and refuses anything else' {
        { Invoke-SchemaMigration $folder -ConnectionString $connection -LockTimeout 5s -LockWait 30 -WhatIf } | Should -Not -Throw
        { Invoke-SchemaMigration $folder -ConnectionString $connection -LockTimeout soon -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
    }

    Context 'when a migration fails' {
        BeforeEach {
            $folder = New-MigrationFolder -Extra @{ '004_create_orders.sql' = "CREATE TABLE orders (`n    id bigint PRIMARY KEY,`n    account_id bigint REFERENCES acounts (id)`n);" }
        }

        It 'throws a terminating error whose ErrorId is the reason code' {
            { Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false } |
                Should -Throw -ErrorId 'SQL_APPLY_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
            Get-JournalId -Database $database | Should -Be @('001_core_domain_tables.sql', '002_create_api_keys_table.sql', '003_add_indexes.sql')
            Test-Table -Database $database -Table 'orders' | Should -BeFalse
        }

        It 'names the file, category, SQLSTATE and next step' {
            $failure = $null
            try {
                Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false
            }
            catch {
                $failure = $_
            }
            $failure.TargetObject | Should -Be '004_create_orders.sql'
            $failure.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $failure.ErrorDetails.Message | Should -Match '^004_create_orders\.sql:3: 42P01 relation "acounts" does not exist'
            $failure.ErrorDetails.RecommendedAction | Should -Match 'Fix the statement'
            $failure.Exception.Failure.SqlState | Should -Be '42P01'
        }

        It 'fails closed under $ErrorActionPreference = Stop' {
            $seen = @{ After = $false; Caught = $null }
            try {
                & {
                    $ErrorActionPreference = 'Stop'
                    Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false
                    $seen.After = $true
                }
            }
            catch {
                $seen.Caught = $_.FullyQualifiedErrorId
            }
            $seen.After | Should -BeFalse
            $seen.Caught | Should -BeLike 'SQL_APPLY_FAILED,*'
        }
    }

    It 'reports a wrong password as DB_AUTH_FAILED without printing it' {
        $secret = 'Wr0ng-' + [guid]::NewGuid().ToString('N')
        $credential = [pscredential]::new($script:server.User, (ConvertTo-SecureString $secret -AsPlainText -Force))
        $failure = $null
        try {
            Invoke-SchemaMigration $folder -ConnectionString $connection -Credential $credential -Confirm:$false
        }
        catch {
            $failure = $_
        }
        $failure.FullyQualifiedErrorId | Should -Be 'DB_AUTH_FAILED,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $text = ($failure | Format-List * -Force | Out-String) + ($failure.Exception | Format-List * -Force | Out-String)
        $text | Should -Match "as $($script:server.User)"
        $text | Should -Not -Match ([regex]::Escape($secret))
        $text | Should -Not -Match ([regex]::Escape($script:server.Password))
    }
}

Describe 'Test-SchemaMigration' {
    It 'passes the sample migrations' {
        $results = Test-SchemaMigration $script:samples
        @($results).Count | Should -Be 3
        $results | ForEach-Object { $_.Valid | Should -BeTrue }
    }

    It 'reports each problem as a non-terminating MIGRATION_INVALID error' {
        $folder = New-MigrationFolder -Extra @{ '004_typo.sql' = "-- schemamigrate:no-transacton`nSELECT 1;"; '005_shout.SQL' = 'SELECT 1;' }
        $results = Test-SchemaMigration $folder -ErrorVariable problems -ErrorAction SilentlyContinue
        @($problems).Count | Should -Be 2
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'MIGRATION_INVALID,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand' }
        ($results | Where-Object { -not $_.Valid }).Id | Sort-Object | Should -Be @('004_typo.sql', '005_shout.SQL')
    }

    It 'verifies against a scratch database' {
        $results = Test-SchemaMigration $script:samples -Verify -DevDatabase (Get-TestConnectionString -Server $script:server)
        $results | ForEach-Object { $_.Verified | Should -BeTrue }
    }
}

Describe 'New-SchemaMigration' {
    It 'creates the next zero-padded file' {
        $folder = New-MigrationFolder
        $file = New-SchemaMigration add_orders_table -Path $folder
        $file.Name | Should -Be '004_add_orders_table.sql'
        Test-Path $file.FullName | Should -BeTrue
        (Test-SchemaMigration $folder | Where-Object Id -eq '004_add_orders_table.sql').Valid | Should -BeTrue
    }

    It 'creates nothing under -WhatIf' {
        $folder = New-MigrationFolder
        New-SchemaMigration add_orders_table -Path $folder -WhatIf
        @(Get-ChildItem $folder).Count | Should -Be 3
    }

    It 'refuses a name that is not snake_case' {
        { New-SchemaMigration 'Add Orders' -Path (New-MigrationFolder) } |
            Should -Throw -ErrorId 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.NewSchemaMigrationCommand'
    }
}

Describe 'Next to Az.Accounts' -ForEach $script:azAccounts {
    It 'imports and runs after Az.Accounts in the same session' {
        $database = New-TestDatabase -Server $script:server
        $env:SCHEMAMIGRATE_PESTER_CONN = Get-TestConnectionString -Server $script:server -Database $database
        $command = "Import-Module Az.Accounts; Import-Module '$script:manifest'; " +
            "(Get-SchemaMigrationStatus '$script:samples' -ConnectionString `$env:SCHEMAMIGRATE_PESTER_CONN).Count; " +
            "[AppDomain]::CurrentDomain.GetAssemblies().Where({ `$_.GetName().Name -eq 'Azure.Core' }).Count"
        try {
            $output = pwsh -NoProfile -NonInteractive -Command $command
            $LASTEXITCODE | Should -Be 0
            $output[0] | Should -Be '3'
        }
        finally {
            Remove-Item Env:SCHEMAMIGRATE_PESTER_CONN
        }
    }
}
