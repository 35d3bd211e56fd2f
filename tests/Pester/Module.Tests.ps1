#Requires -Version 7.4
# The module as pwsh sees it: exports, help for every cmdlet and parameter, format views, its own load context, every
# PowerShell file parsed by PowerShell's parser, and the install an operator does (Publish-PSResource to a local
# repository, Install-PSResource, Import-Module by name, an upgrade).

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $script:cmdlets = @((Get-Command -Module SchemaMigrate).Name | Sort-Object)
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:parameters = foreach ($name in $script:cmdlets) {
        foreach ($parameter in (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            @{ Command = $name; Parameter = $parameter }
        }
    }
    $script:unix = @(if (-not $IsWindows) { 'Unix' })
    $script:powershellFiles = Get-ChildItem (Get-RepoRoot) -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1' |
        Where-Object { $_.FullName -notmatch '[\\/](\.git|\.tools|node_modules|out|bin|obj)[\\/]' } |
        ForEach-Object { @{ Path = $_.FullName; Name = [System.IO.Path]::GetRelativePath((Get-RepoRoot), $_.FullName) } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
}

Describe 'The module' {
    It 'exports exactly the migration, job and smoke-test cmdlets' {
        (Get-Command -Module SchemaMigrate).Name | Sort-Object | Should -Be @('Get-MigrationJobExecution', 'Get-MigrationJobLog',
            'Get-SchemaMigrationStatus', 'Invoke-ApiSmokeTest', 'Invoke-SchemaMigration', 'New-SchemaMigration', 'Start-MigrationJob', 'Stop-MigrationJobExecution',
            'Test-SchemaMigration')
    }

    It 'has help with a synopsis, a description and an example for <_>' -ForEach $script:cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$_\s"
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }

    It 'has help for <Command> -<Parameter>' -ForEach $script:parameters {
        $help = Get-Help $Command -Parameter $Parameter
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has about_SchemaMigrate' {
        $about = Get-Help about_SchemaMigrate | Out-String
        $about | Should -Match 'Confirm:\$false'
        $about | Should -Match 'Get-MigrationJobLog'
    }

    It 'loads a format view for each output type' {
        $types = 'SchemaMigrationStatus', 'SchemaMigrationResult', 'SchemaMigrationTestResult', 'MigrationJobExecution', 'MigrationJobLogEntry', 'ApiSmokeAssertion'
        foreach ($type in $types) {
            (Get-FormatData -TypeName "SchemaMigrate.Cmdlets.$type").FormatViewDefinition.Control | Should -BeOfType ([System.Management.Automation.TableControl])
        }
    }

    It 'runs the engine in its own load context' {
        Test-SchemaMigration (Get-SampleFolder) -AppliedThrough none | Out-Null
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SchemaMigrate.Engine' }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'SchemaMigrate'
        $npgsql = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Npgsql' }
        $npgsql | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name | Should -Be 'SchemaMigrate' }
    }
}

Describe 'PowerShell files' {
    It 'PowerShell parses <Name> without errors' -ForEach $script:powershellFiles {
        $errors = $null
        [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$errors) | Out-Null
        $errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }
}

Describe 'Installing from a repository, as operators do' {
    BeforeAll {
        $script:work = New-MigrationFolder -Empty
        $repository = Join-Path $script:work 'repository'
        New-Item -ItemType Directory -Path $repository | Out-Null
        # Version 0.1.0 is the build; a copy with a newer ModuleVersion stands for the next release.
        $next = Join-Path $script:work 'next' 'SchemaMigrate'
        New-Item -ItemType Directory -Path (Split-Path $next) | Out-Null
        Copy-Item -Path (Split-Path (Get-ModuleManifestPath)) -Destination $next -Recurse
        $manifest = Join-Path $next 'SchemaMigrate.psd1'
        (Get-Content $manifest -Raw) -replace "ModuleVersion\s*=\s*'0\.1\.0'", "ModuleVersion        = '0.1.1'" | Set-Content $manifest
        $script:repository = $repository
        $script:next = $next
        # A home of its own (on Windows the CurrentUser scope is the profile's Documents, and is cleaned up below).
        $script:profileHome = Join-Path $script:work 'home'
        New-Item -ItemType Directory -Path $script:profileHome | Out-Null
    }

    It 'publishes, installs, imports by name and upgrades to one working module' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SchemaMigrateTest -Uri '$script:repository' -Trusted
Publish-PSResource -Path '$(Split-Path (Get-ModuleManifestPath))' -Repository SchemaMigrateTest
Publish-PSResource -Path '$script:next' -Repository SchemaMigrateTest
try {
    Install-PSResource SchemaMigrate -Version 0.1.0 -Repository SchemaMigrateTest -Scope CurrentUser
    `$first = & pwsh -NoProfile -NonInteractive -Command 'Import-Module SchemaMigrate; (Get-Module SchemaMigrate).Version.ToString(); @(Test-SchemaMigration ''$(Get-SampleFolder)'' -AppliedThrough none).Count'
    Install-PSResource SchemaMigrate -Repository SchemaMigrateTest -Scope CurrentUser
    `$second = & pwsh -NoProfile -NonInteractive -Command 'Import-Module SchemaMigrate; (Get-Module SchemaMigrate).Version.ToString(); @(Get-Module SchemaMigrate).Count; @(Test-SchemaMigration ''$(Get-SampleFolder)'' -AppliedThrough none).Count; (Get-Module SchemaMigrate).ModuleBase'
    `$installed = @(Get-Module -ListAvailable SchemaMigrate | ForEach-Object { `$_.Version.ToString() + '|' + (Split-Path `$_.ModuleBase -Leaf) })
    'RESULT ' + (@{ First = @(`$first); Second = @(`$second); Installed = `$installed } | ConvertTo-Json -Compress)
}
finally {
    if (`$IsWindows) { Uninstall-PSResource SchemaMigrate -Scope CurrentUser -ErrorAction SilentlyContinue }
    Unregister-PSResourceRepository -Name SchemaMigrateTest
}
"@
        $environment = if ($IsWindows) { @{} } else { @{ HOME = $script:profileHome } }
        $run = Invoke-Pwsh -Script ("Remove-Module SchemaMigrate`n" + $script) -Environment $environment
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $result = ($run.Text -split "`n" | Where-Object { $_ -like 'RESULT *' }).Substring(7) | ConvertFrom-Json
        $result.First | Should -Be @('0.1.0', '3')
        $result.Second[0..2] | Should -Be @('0.1.1', '1', '3')
        Split-Path $result.Second[3] -Leaf | Should -Be '0.1.1'
        $result.Installed | Sort-Object | Should -Be @('0.1.0|0.1.0', '0.1.1|0.1.1')
    }
}

Describe 'The test harness''s PostgreSQL' -ForEach $script:unix {
    It 'leaves no superuser password file behind when initdb fails' {
        Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1') -Force
        $work = New-MigrationFolder -Empty
        $bin = Join-Path $work 'bin'
        $temp = Join-Path $work 'temp'
        New-Item -ItemType Directory -Path $bin, $temp | Out-Null
        Set-Content (Join-Path $bin 'psql') "#!/bin/sh`nexit 1"
        Set-Content (Join-Path $bin 'initdb') "#!/bin/sh`necho 'initdb: cannot be run as this user' >&2`nexit 1"
        chmod 755 $work $bin $temp (Join-Path $bin 'psql') (Join-Path $bin 'initdb')
        $saved = $env:SCHEMAMIGRATE_PG_BIN, $env:SCHEMAMIGRATE_TEST_PG
        try {
            $env:SCHEMAMIGRATE_PG_BIN = $bin
            Remove-Item Env:SCHEMAMIGRATE_TEST_PG -ErrorAction SilentlyContinue
            { Start-TestPostgres -TempRoot $temp } | Should -Throw '*initdb failed (exit 1): initdb: cannot be run as this user*'
        }
        finally {
            $env:SCHEMAMIGRATE_PG_BIN, $env:SCHEMAMIGRATE_TEST_PG = $saved
        }
        @(Get-ChildItem $temp -Recurse -Force) | Should -BeNullOrEmpty
    }
}
