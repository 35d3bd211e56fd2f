@{
    RootModule           = 'SchemaMigrate.Cmdlets.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f6f0a52-4d7e-4f0c-9a43-2d7f3c1b8e61'
    Author               = 'SchemaMigrate'
    CompanyName          = 'SchemaMigrate'
    Copyright            = '(c) SchemaMigrate. All rights reserved.'
    Description          = 'Apply, inspect, trigger and triage PostgreSQL schema migrations, locally and as an Azure Container Apps Job.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # The engine and its dependencies are not listed in RequiredAssemblies: they load into the module's own
    # AssemblyLoadContext from Dependencies/, never into the session's default one.
    CmdletsToExport      = @(
        'Get-SchemaMigrationStatus'
        'Invoke-SchemaMigration'
        'New-SchemaMigration'
        'Test-SchemaMigration'
        'Start-MigrationJob'
        'Get-MigrationJobExecution'
        'Stop-MigrationJobExecution'
        'Get-MigrationJobLog'
        'Invoke-ApiSmokeTest'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('SchemaMigrate.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags       = @('PostgreSQL', 'Migrations', 'AzureContainerApps', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri = 'https://github.com/schemamigrate/schemamigrate'
        }
    }
}
