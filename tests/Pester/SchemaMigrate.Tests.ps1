#Requires -Version 7.4
# Pester 5 suite for the published module (out/SchemaMigrate). build.ps1 -Task Pester runs it in a fresh pwsh, because
# a loaded binary module cannot be unloaded. Needs a PostgreSQL: see TestPostgres.psm1.

BeforeDiscovery {
    $script:azAccounts = @(Get-Module -ListAvailable -Name Az.Accounts | Select-Object -First 1)
    $script:jobCmdlets = @('Start-MigrationJob', 'Get-MigrationJobExecution', 'Stop-MigrationJobExecution', 'Get-MigrationJobLog')
    # The run against the local fake of Azure trusts its certificate through SSL_CERT_FILE and gets tokens from a
    # stand-in az script: both are Linux mechanisms (OpenSSL, /bin/sh).
    $script:fakeAzure = @(if ($IsLinux) { 'Linux' })
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
    It 'exports exactly the migration and job cmdlets' {
        $names = (Get-Command -Module SchemaMigrate).Name | Sort-Object
        $names | Should -Be @('Get-MigrationJobExecution', 'Get-MigrationJobLog', 'Get-SchemaMigrationStatus', 'Invoke-SchemaMigration',
            'New-SchemaMigration', 'Start-MigrationJob', 'Stop-MigrationJobExecution', 'Test-SchemaMigration')
    }

    It 'has help with an example for <_>' -ForEach @('Get-SchemaMigrationStatus', 'Invoke-SchemaMigration', 'New-SchemaMigration', 'Test-SchemaMigration',
        'Start-MigrationJob', 'Get-MigrationJobExecution', 'Stop-MigrationJobExecution', 'Get-MigrationJobLog') {
        $help = Get-Help $_ -Examples
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }

    It 'has about_SchemaMigrate' {
        $about = Get-Help about_SchemaMigrate | Out-String
        $about | Should -Match 'Confirm:\$false'
        $about | Should -Match 'Get-MigrationJobLog'
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

    It 'keeps the journal where -JournalSchema and -JournalTable say, and the status reads it there' {
        Invoke-SchemaMigration $folder -ConnectionString $connection -JournalSchema ops -JournalTable journal -Confirm:$false
        Test-Table -Database $database -Table 'ops.journal' | Should -BeTrue
        Test-Table -Database $database -Table 'schema_migrations' | Should -BeFalse
        (Get-SchemaMigrationStatus $folder -ConnectionString $connection -JournalSchema ops -JournalTable journal).State |
            Should -Be @('Applied', 'Applied', 'Applied')
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
        $results = Test-SchemaMigration $script:samples -AppliedThrough none -ErrorAction Stop
        @($results).Count | Should -Be 3
        $results | ForEach-Object { $_.Valid | Should -BeTrue }
    }

    It 'reports each problem as a non-terminating MIGRATION_INVALID error' {
        $folder = New-MigrationFolder -Extra @{ '004_typo.sql' = "-- schemamigrate:no-transacton`nSELECT 1;"; '005_shout.SQL' = 'SELECT 1;' }
        $results = Test-SchemaMigration $folder -AppliedThrough none -ErrorVariable problems -ErrorAction SilentlyContinue
        @($problems).Count | Should -Be 2
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'MIGRATION_INVALID,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand' }
        ($results | Where-Object { -not $_.Valid }).Id | Sort-Object | Should -Be @('004_typo.sql', '005_shout.SQL')
    }

    It 'verifies against a scratch database' {
        $results = Test-SchemaMigration $script:samples -AppliedThrough none -Verify -DevDatabase (Get-TestConnectionString -Server $script:server)
        $results | ForEach-Object { $_.Verified | Should -BeTrue }
    }
}

Describe 'The deploy gate' {
    BeforeEach {
        $database = New-TestDatabase -Server $script:server
        $connection = Get-TestConnectionString -Server $script:server -Database $database
        $folder = New-MigrationFolder
        Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false
        Set-Content -LiteralPath (Join-Path $folder '004_drop_display_name.sql') -NoNewline -Value "-- schemamigrate:contract`nALTER TABLE users DROP COLUMN display_name;"
    }

    It 'refuses a contract file with POLICY_VIOLATION whose recommended action names the rule page, applying nothing' {
        $failure = $null
        try {
            Invoke-SchemaMigration $folder -ConnectionString $connection -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        }
        catch {
            $failure = $_
        }
        $failure.FullyQualifiedErrorId | Should -Be 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.InvokeSchemaMigrationCommand'
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure.ErrorDetails.RecommendedAction | Should -Match '^Read docs/gate/phase-not-allowed\.md'
        $failure.TargetObject | Should -Be '004_drop_display_name.sql'
        ($warnings -join "`n") | Should -Match 'refused  004_drop_display_name\.sql:2:19 ban-drop-column \[Contract\]'
        Get-JournalId -Database $database | Should -Not -Contain '004_drop_display_name.sql'
    }

    It 'applies it with -Allow Contract, and Test-SchemaMigration reports the findings as objects' {
        Invoke-SchemaMigration $folder -ConnectionString $connection -Allow Contract -Confirm:$false -WarningAction SilentlyContinue
        Get-JournalId -Database $database | Should -Contain '004_drop_display_name.sql'

        $results = Test-SchemaMigration $folder -AppliedThrough 003_add_indexes.sql -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($problems).Count | Should -Be 2
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'POLICY_VIOLATION,SchemaMigrate.Cmdlets.TestSchemaMigrationCommand' }
        $drop = ($results | Where-Object Id -eq '004_drop_display_name.sql').Findings | Where-Object RuleId -eq 'ban-drop-column'
        $drop.Verdict | Should -Be 'Refused'
        $drop.HelpUri | Should -Match '/docs/gate/ban-drop-column\.md$'
        { Test-SchemaMigration $folder -AppliedThrough 003_add_indexes.sql -Allow Contract -ErrorAction Stop -WarningAction SilentlyContinue } | Should -Not -Throw
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

Describe 'The job cmdlets without an Azure identity' {
    BeforeAll {
        # No identity: Azure.Identity's EnvironmentCredential finds no service principal, as on a runner nobody signed in.
        $script:savedAzure = @{}
        foreach ($name in @('AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME',
                'AZURE_PASSWORD', 'AZURE_SUBSCRIPTION_ID', 'SCHEMAMIGRATE_AZURE_CREDENTIAL', 'SCHEMAMIGRATE_AZURE_CLOUD')) {
            $script:savedAzure[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        $job = @{ ResourceGroupName = 'rg-deploy'; Name = 'migrate'; CredentialSource = 'Environment' }

        function Get-Failure {
            param([scriptblock] $Command)
            try {
                & $Command
            }
            catch {
                return $_
            }
            throw 'the command did not fail'
        }
    }

    AfterAll {
        foreach ($name in $script:savedAzure.Keys) {
            [Environment]::SetEnvironmentVariable($name, $script:savedAzure[$name])
        }
    }

    It '<_> declares what it writes and takes executions by property name' -ForEach $script:jobCmdlets {
        $command = Get-Command $_
        $command.OutputType.Name | Should -Match '^SchemaMigrate\.Cmdlets\.MigrationJob'
        $command.Parameters['ResourceGroupName'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
        $command.Parameters['Name'].Aliases | Should -Contain 'JobName'
    }

    It 'refuses an unknown cloud, a malformed duration, -Latest 0 and -Wait with -Follow before calling Azure' {
        { Start-MigrationJob @job -Cloud Mars -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        { Start-MigrationJob @job -Wait -Timeout soon -WhatIf } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        { Get-MigrationJobExecution @job -Latest 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        { Get-MigrationJobLog @job -ExecutionName 'migrate-k3v9q2a' -Wait -Follow } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,SchemaMigrate.Cmdlets.GetMigrationJobLogCommand'
    }

    It 'reports AZURE_AUTH_FAILED with how to sign in, targeting the job' {
        $failure = Get-Failure { Get-MigrationJobExecution @job -Subscription ([guid]::NewGuid()) }
        $failure.FullyQualifiedErrorId | Should -Be 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.TargetObject | Should -Be 'rg-deploy/migrate'
        $failure.ErrorDetails.Message | Should -Match 'could not get a token for Azure Resource Manager'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'az login'
    }

    It 'takes the credential source from SCHEMAMIGRATE_AZURE_CREDENTIAL' {
        $env:SCHEMAMIGRATE_AZURE_CREDENTIAL = 'Environment'
        try {
            { Get-MigrationJobExecution -ResourceGroupName 'rg-deploy' -Name 'migrate' } |
                Should -Throw -ErrorId 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
            $env:SCHEMAMIGRATE_AZURE_CREDENTIAL = 'Kerberos'
            { Get-MigrationJobExecution -ResourceGroupName 'rg-deploy' -Name 'migrate' } |
                Should -Throw -ErrorId 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.GetMigrationJobExecutionCommand'
        }
        finally {
            Remove-Item Env:SCHEMAMIGRATE_AZURE_CREDENTIAL
        }
    }

    It 'starts nothing under -WhatIf and still writes migration.json when the start fails' {
        { Start-MigrationJob @job -WhatIf } | Should -Throw -ErrorId 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $failure = Get-Failure { Start-MigrationJob @job -Wait -ArtifactPath $TestDrive -CommitSha 'abc1234' -Confirm:$false }
        $failure.FullyQualifiedErrorId | Should -Be 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $artifact = Get-Content (Join-Path $TestDrive 'abc1234' 'migration.json') -Raw | ConvertFrom-Json
        $artifact.reasonCode | Should -Be 'AZURE_AUTH_FAILED'
        $artifact.status | Should -Be 'failed'
        $artifact.executionSummary | Should -Match '^not started: AZURE_AUTH_FAILED'
    }

    It '<Command> binds ResourceGroupName, JobName and ExecutionName of piped objects' -ForEach @(
        @{ Command = 'Get-MigrationJobLog'; Extra = @{} }
        @{ Command = 'Stop-MigrationJobExecution'; Extra = @{ Confirm = $false } }
        @{ Command = 'Get-MigrationJobExecution'; Extra = @{} }
    ) {
        $piped = [pscustomobject]@{
            Subscription      = [guid]::NewGuid().ToString()
            ResourceGroupName = 'rg-piped'
            JobName           = 'job-piped'
            ExecutionName     = 'job-piped-abc1234'
            Status            = 'Failed'
        }
        $failure = Get-Failure { $piped | & $Command -CredentialSource Environment @Extra }
        $failure.FullyQualifiedErrorId | Should -BeLike 'AZURE_AUTH_FAILED,*'
        $failure.TargetObject | Should -Be 'rg-piped/job-piped/job-piped-abc1234'
    }
}

Describe 'The job cmdlets against a local fake of Azure' -ForEach $script:fakeAzure {
    BeforeAll {
        $repo = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
        $testsDll = @('Release', 'Debug') | ForEach-Object { Join-Path $repo 'tests' 'Unit' 'bin' $_ 'net10.0' 'SchemaMigrate.Tests.dll' } |
            Where-Object { Test-Path $_ } | Select-Object -First 1
        $database = New-TestDatabase -Server $script:server
        $info = Join-Path $TestDrive 'fake-azure.json'
        $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in @($testsDll, 'fake-azure', $info, $script:samples,
                ('migrate=' + (Get-TestConnectionString -Server $script:server -Database $database)),
                ('migrate-badpass=' + (Get-TestConnectionString -Server $script:server -Database $database -Password 'Wr0ng-password')))) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardInput = $true
        $script:fake = [System.Diagnostics.Process]::Start($start)
        $deadline = (Get-Date).AddMinutes(1)
        while (-not (Test-Path $info) -and -not $script:fake.HasExited -and (Get-Date) -lt $deadline) {
            Start-Sleep -Milliseconds 200
        }
        $fakeInfo = Get-Content $info -Raw | ConvertFrom-Json
        $certificate = Join-Path $TestDrive 'fake-azure.pem'
        Set-Content -LiteralPath $certificate -Value $fakeInfo.certificate

        # The real cmdlets in a fresh pwsh whose only trusted root is the fake's certificate, with the stand-in az
        # first on PATH and the Azure endpoints pointed at the fake: no test switch in the module is involved.
        $script:childEnvironment = @{
            SSL_CERT_FILE                                = $certificate
            PATH                                         = (Join-Path $PSScriptRoot 'fake-az') + [IO.Path]::PathSeparator + $env:PATH
            SCHEMAMIGRATE_FAKE_ARM_TOKEN                 = $fakeInfo.armToken
            SCHEMAMIGRATE_FAKE_LOGS_TOKEN                = $fakeInfo.logsToken
            SCHEMAMIGRATE_AZURE_CREDENTIAL               = 'AzureCli'
            SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT = $fakeInfo.endpoint
            SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT   = $fakeInfo.endpoint
            POWERSHELL_UPDATECHECK                       = 'Off'
        }
        $script:database = $database

        function Invoke-JobSession {
            param([string] $Script)
            $saved = @{}
            foreach ($name in $script:childEnvironment.Keys) {
                $saved[$name] = [Environment]::GetEnvironmentVariable($name)
                [Environment]::SetEnvironmentVariable($name, $script:childEnvironment[$name])
            }
            try {
                $prelude = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; Import-Module '$script:manifest'; "
                $output = pwsh -NoProfile -NonInteractive -Command ($prelude + $Script + " | ConvertTo-Json -Depth 4 -Compress | ForEach-Object { 'RESULT ' + `$_ }")
                $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
                return (($output | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1).Substring(7) | ConvertFrom-Json)
            }
            finally {
                foreach ($name in $saved.Keys) {
                    [Environment]::SetEnvironmentVariable($name, $saved[$name])
                }
            }
        }
    }

    AfterAll {
        if ($script:fake -and -not $script:fake.HasExited) {
            $script:fake.StandardInput.Close()
            if (-not $script:fake.WaitForExit(20000)) {
                $script:fake.Kill($true)
            }
        }
    }

    It 'runs the fake' {
        $script:fake.HasExited | Should -BeFalse
    }

    It '-WhatIf starts nothing' {
        $result = Invoke-JobSession @'
$before = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count
Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -WhatIf
[pscustomobject]@{ Started = @(Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate).Count - $before }
'@
        $result.Started | Should -Be 0
    }

    It 'fails a wrong DB_CONN password closed with DB_AUTH_FAILED, the execution as target, its logs and migration.json' {
        $artifacts = Join-Path $TestDrive 'artifacts'
        $result = Invoke-JobSession @"
`$failure = `$null
try { Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate-badpass -Wait -ArtifactPath '$artifacts' -CommitSha badpass -Confirm:`$false | Out-Null }
catch { `$failure = `$_ }
`$logs = @(`$failure.TargetObject | Get-MigrationJobLog)
`$artifact = Get-Content (Join-Path '$artifacts' 'badpass' 'migration.json') -Raw | ConvertFrom-Json
[pscustomobject]@{
    ErrorId = `$failure.FullyQualifiedErrorId
    Message = `$failure.ErrorDetails.Message
    Status = `$failure.TargetObject.Status
    ReasonCode = `$failure.TargetObject.ReasonCode
    Timeline = @(`$failure.TargetObject.StatusTimeline.Status)
    Results = @(`$logs | Where-Object Message -like 'result: failed*' | ForEach-Object Message)
    ArtifactReason = `$artifact.reasonCode
    ArtifactExecution = `$artifact.executionName
    Execution = `$failure.TargetObject.ExecutionName
}
"@
        $result.ErrorId | Should -Be 'DB_AUTH_FAILED,SchemaMigrate.Cmdlets.StartMigrationJobCommand'
        $result.Message | Should -Match '28P01'
        $result.Message | Should -Not -Match 'Wr0ng-password'
        $result.Status | Should -Be 'Failed'
        $result.ReasonCode | Should -Be 'DB_AUTH_FAILED'
        $result.Timeline | Should -Contain 'Failed'
        $result.Results | Should -HaveCount 1
        $result.Results[0] | Should -Match 'reasonCode=DB_AUTH_FAILED'
        $result.ArtifactReason | Should -Be 'DB_AUTH_FAILED'
        $result.ArtifactExecution | Should -Be $result.Execution
    }

    It 'runs the migrations, lists the run newest first, shows its logs and leaves an ended execution alone' {
        $result = Invoke-JobSession @'
$run = Start-MigrationJob -ResourceGroupName rg-deploy -Name migrate -Wait -Confirm:$false
$latest = Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate -Latest 1
$applied = @($latest | Get-MigrationJobLog -Wait -Timeout 2min | Where-Object Message -like 'applied *' | ForEach-Object Message)
$stopped = $run | Stop-MigrationJobExecution -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
[pscustomobject]@{
    Status = $run.Status
    Same = $latest.ExecutionName -eq $run.ExecutionName
    Applied = $applied
    Table = ($run | Out-String)
    StoppedStatus = $stopped.Status
    Warnings = @($warnings | ForEach-Object { "$_" })
}
'@
        $result.Status | Should -Be 'Succeeded'
        $result.Same | Should -BeTrue
        $result.Applied | Should -HaveCount 3
        $result.Applied[0] | Should -Match '001_core_domain_tables\.sql'
        $result.Table | Should -Match 'ExecutionName\s+Status\s+StartTime\s+Duration\s+Image\s+ReasonCode'
        $result.StoppedStatus | Should -Be 'Succeeded'
        $result.Warnings | Should -Match 'already ended Succeeded'
        Invoke-TestSql -Server $script:server -Database $script:database -Sql 'SELECT count(*) FROM schema_migrations' | Should -Be '3'
    }
}
