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
    CmdletsToExport      = @()
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PostgreSQL', 'Migrations', 'AzureContainerApps', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri = 'https://github.com/schemamigrate/schemamigrate'
        }
    }
}
