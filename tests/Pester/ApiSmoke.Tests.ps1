#Requires -Version 7.4
# Invoke-ApiSmokeTest in a real pwsh, self-contained: the published module (out/SchemaMigrate, laid out by
# `dotnet publish src/SchemaMigrate.Cmdlets -c Release`) against a local HTTPS fake of a rolled-out API that this file
# starts itself (`dotnet SchemaMigrate.Tests.dll fake-api`, tests/Unit/Azure/Fake/FakeApi.cs: one scenario per path
# prefix). No database is needed. Each run against the fake is a fresh pwsh whose only trusted root is the fake's
# certificate (SSL_CERT_FILE, an OpenSSL mechanism: Linux), with the stand-in az first on PATH for -Scope.

BeforeDiscovery {
    $script:fakeApi = @(if ($IsLinux) { 'Linux' })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:repo = Get-RepoRoot
    $script:manifest = Get-ModuleManifestPath
    Import-Module $script:manifest -Force
    $script:token = ConvertTo-SecureString ('smoke-' + [guid]::NewGuid().ToString('N')) -AsPlainText
}

AfterAll {
    Remove-Module SchemaMigrate -ErrorAction SilentlyContinue
}

Describe 'Invoke-ApiSmokeTest' {
    It 'takes the token as a SecureString or from -Scope, one or the other' {
        $command = Get-Command Invoke-ApiSmokeTest
        $command.OutputType.Name | Should -Be 'SchemaMigrate.Cmdlets.ApiSmokeAssertion'
        $command.Parameters['Token'].ParameterType | Should -Be ([securestring])
        $command.ParameterSets.Name | Sort-Object | Should -Be @('Scope', 'Token')
        $command.DefaultParameterSet | Should -Be 'Scope'
        $command.Parameters['CredentialSource'].ParameterSets.Keys | Should -Be @('Scope')
        { Invoke-ApiSmokeTest https://api.example.com -ProbePath /api/me -Token $script:token -Scope 'api://x/.default' } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
    }

    It 'documents every parameter in its help, with examples' {
        $help = Get-Help Invoke-ApiSmokeTest -Full
        $documented = @($help.parameters.parameter.name)
        foreach ($name in (Get-Command Invoke-ApiSmokeTest).Parameters.Keys.Where({ $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })) {
            $documented | Should -Contain $name
        }
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        (Get-Help about_SchemaMigrate | Out-String) | Should -Match 'unauthenticated-rejected'
    }

    It 'refuses an http address, a malformed -RetryWindow and an unsafe -CommitSha before calling anything' {
        { Invoke-ApiSmokeTest http://api.example.com -ProbePath /api/me -Token $script:token } |
            Should -Throw -ErrorId 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
        { Invoke-ApiSmokeTest https://api.example.com -ProbePath /api/me -Token $script:token -RetryWindow soon } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
        { Invoke-ApiSmokeTest https://api.example.com -ProbePath /api/me -Token $script:token -CommitSha '../..' } |
            Should -Throw -ErrorId 'INVALID_ARGUMENT,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
    }

    It '-WhatIf calls nothing and writes nothing' {
        # Port 1 answers nothing: a call would be SMOKE_UNREACHABLE.
        $output = Invoke-ApiSmokeTest https://127.0.0.1:1/ -ProbePath /api/me -Token $script:token -ArtifactPath $TestDrive -CommitSha whatif1 -WhatIf
        $output | Should -BeNullOrEmpty
        Test-Path (Join-Path $TestDrive 'whatif1') | Should -BeFalse
    }
}

Describe 'Invoke-ApiSmokeTest against a local fake API' -ForEach $script:fakeApi {
    BeforeAll {
        $script:fake = Start-TestFake -Kind 'fake-api' -Folder $TestDrive
        $script:api = $script:fake.Info
        $certificate = $script:fake.Certificate
        $script:artifacts = Join-Path $TestDrive 'artifacts'

        $script:childEnvironment = @{
            SSL_CERT_FILE                  = $certificate
            PATH                           = (Join-Path $PSScriptRoot 'fake-az') + [IO.Path]::PathSeparator + $env:PATH
            SCHEMAMIGRATE_FAKE_API_TOKEN   = $script:api.token
            SCHEMAMIGRATE_AZURE_CREDENTIAL = 'AzureCli'
            SMOKE_ENDPOINT                 = $script:api.endpoint
            SMOKE_ARTIFACTS                = $script:artifacts
            SMOKE_MANIFEST                 = $script:manifest
            POWERSHELL_UPDATECHECK         = 'Off'
        }

        # Runs $Script in a fresh pwsh against the fake; returns its RESULT object, with everything the child printed
        # (every stream, the error view) as Printed, for the secret checks.
        function Invoke-SmokeSession {
            param([string] $Script)
            $saved = @{}
            foreach ($name in $script:childEnvironment.Keys) {
                $saved[$name] = [Environment]::GetEnvironmentVariable($name)
                [Environment]::SetEnvironmentVariable($name, $script:childEnvironment[$name])
            }
            try {
                $prelude = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; Import-Module '$script:manifest'; " +
                    "`$token = ConvertTo-SecureString `$env:SCHEMAMIGRATE_FAKE_API_TOKEN -AsPlainText; "
                $output = pwsh -NoProfile -NonInteractive -Command ($prelude + $Script + " | ConvertTo-Json -Depth 6 -Compress | ForEach-Object { 'RESULT ' + `$_ }") 2>&1
                $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
                $result = ($output | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1).ToString().Substring(7) | ConvertFrom-Json
                $result | Add-Member -NotePropertyName Printed -NotePropertyValue ($output -join "`n")
                return $result
            }
            finally {
                foreach ($name in $saved.Keys) {
                    [Environment]::SetEnvironmentVariable($name, $saved[$name])
                }
            }
        }

        # Everything an operator could see: the child's output, the streams and error it captured, and the artifact.
        function Assert-NoSecret {
            param($Result)
            foreach ($text in @($Result.Printed, $Result.Streams, $Result.Error, $Result.Artifact)) {
                "$text" | Should -Not -Match ([regex]::Escape($script:api.token))
                "$text" | Should -Not -Match ([regex]::Escape($script:api.sessionCookie))
            }
        }

        # A session that runs the smoke test against one scenario with every stream captured (-Verbose included), and
        # returns its objects, its error and its artifact.
        function New-SmokeScript {
            param([string] $Scenario, [string] $Options, [string] $Sha, [string] $Probe = '/api/me')
            return @'
$streams = [System.Collections.Generic.List[object]]::new()
$failure = $null
try { Invoke-ApiSmokeTest ($env:SMOKE_ENDPOINT + '<scenario>/') -ProbePath '<probe>' <options> -ArtifactPath $env:SMOKE_ARTIFACTS -CommitSha <sha> -Verbose *>&1 | ForEach-Object { $streams.Add($_) } }
catch { $failure = $_ }
$objects = @($streams | Where-Object { $_ -is [SchemaMigrate.Cmdlets.ApiSmokeAssertion] })
[pscustomobject]@{
    ErrorId = $failure.FullyQualifiedErrorId
    Category = "$($failure.CategoryInfo.Category)"
    Target = $failure.TargetObject.Id
    Recommended = $failure.ErrorDetails.RecommendedAction
    Ids = @($objects.Id)
    Urls = @($objects.Url)
    Outcomes = @($objects | ForEach-Object { "$($_.Outcome)" })
    Table = ($objects | Format-Table | Out-String -Width 80)
    Streams = ($streams | Out-String -Width 300)
    Error = (($failure | Out-String -Width 300) + $failure.ErrorDetails.Message + $failure.Exception.Message)
    Artifact = $(if (Test-Path (Join-Path $env:SMOKE_ARTIFACTS '<sha>' 'api-smoke.json')) { Get-Content (Join-Path $env:SMOKE_ARTIFACTS '<sha>' 'api-smoke.json') -Raw })
}
'@.Replace('<scenario>', $Scenario).Replace('<probe>', $Probe).Replace('<options>', $Options).Replace('<sha>', $Sha)
        }
    }

    AfterAll {
        Stop-TestFake $script:fake
    }

    It 'passes a healthy API: three Passed assertions, a table that fits 80 columns, api-smoke.json, no secret anywhere' {
        $result = Invoke-SmokeSession (New-SmokeScript healthy '-Token $token' healthy1)

        $result.ErrorId | Should -BeNullOrEmpty
        $result.Ids | Should -Be @('health-2xx', 'unauthenticated-rejected', 'authorized-2xx')
        $result.Outcomes | Should -Be @('Passed', 'Passed', 'Passed')
        $lines = $result.Table -split "`r?`n" | Where-Object { $_ }
        $lines[0] | Should -Match '^Id\s+Outcome\s+Status\s+Attempts\s+Detail$'
        $lines[2] | Should -Match '^health-2xx\s+Passed\s+200\s+1 200 OK in \d+(\.\d+)?(ms|s|min)$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        $result.Streams | Should -Match 'authorized-2xx passed: GET https://127\.0\.0\.1:\d+/healthy/api/me answered 200 OK'
        $artifact = $result.Artifact | ConvertFrom-Json
        $artifact.status | Should -Be 'passed'
        $artifact.calls.authorized.text | Should -Match '"seen":"Bearer \*\*\*"'
        $artifact.calls.authorized.headers.'set-cookie' | Should -Be '***'
        Assert-NoSecret $result
    }

    It 'fails <Scenario> closed with <Code>, the failed assertion as the target and api-smoke.json written' -ForEach @(
        # NextStep: how docs/reason-codes.md's next step for the code begins.
        @{ Scenario = 'brokenhealth'; Code = 'SMOKE_HEALTH_FAILED'; Failed = 'health-2xx'; Outcomes = @('Failed', 'Skipped', 'Skipped'); Options = ''; NextStep = 'Read calls.health in api-smoke.json (status and text)' }
        @{ Scenario = 'anonymous'; Code = 'SMOKE_UNAUTHENTICATED_ACCEPTED'; Failed = 'unauthenticated-rejected'; Outcomes = @('Passed', 'Failed', 'Skipped'); Options = ''; NextStep = "Roll back, then fix the API's authentication" }
        @{ Scenario = 'neverpropagates'; Code = 'SMOKE_AUTH_NOT_PROPAGATED'; Failed = 'authorized-2xx'; Outcomes = @('Passed', 'Passed', 'Failed'); Options = '-RetryWindow 3s'; NextStep = 'Read authorizedRetryTimeline in api-smoke.json' }
        @{ Scenario = 'hangs'; Code = 'SMOKE_UNREACHABLE'; Failed = 'health-2xx'; Outcomes = @('Failed', 'Skipped', 'Skipped'); Options = '-RequestTimeout 1s'; NextStep = 'Check -BaseUri, DNS, the app''s ingress' }
        @{ Scenario = 'servererror'; Code = 'SMOKE_SERVER_ERROR'; Failed = 'authorized-2xx'; Outcomes = @('Passed', 'Passed', 'Failed'); Options = ''; NextStep = "Read the call's text in api-smoke.json and the API's logs" }
    ) {
        $result = Invoke-SmokeSession (New-SmokeScript $Scenario "-Token `$token $Options" $Scenario)

        $result.ErrorId | Should -Be "$Code,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand"
        $result.Target | Should -Be $Failed
        $result.Outcomes | Should -Be $Outcomes
        $result.Recommended | Should -Not -BeNullOrEmpty
        $artifact = $result.Artifact | ConvertFrom-Json
        $artifact.status | Should -Be 'failed'
        $artifact.reasonCode | Should -Be $Code
        $artifact.failedAssertion.id | Should -Be $Failed
        $artifact.nextStep | Should -Be $result.Recommended
        $artifact.nextStep | Should -BeLike "$NextStep*"
        Assert-NoSecret $result
    }

    It 'masks a key in the query of -HealthPath and -ProbePath in the -WhatIf text, the output objects and api-smoke.json' {
        $functionKey = 'fk-' + [guid]::NewGuid().ToString('N')
        $apiKey = 'ak-' + [guid]::NewGuid().ToString('N')
        $whatIf = Invoke-SmokeSession @"
Invoke-ApiSmokeTest (`$env:SMOKE_ENDPOINT + 'healthy/') -HealthPath '/health?code=$functionKey' -ProbePath '/api/me?api_key=$apiKey' -Token `$token -ArtifactPath `$env:SMOKE_ARTIFACTS -CommitSha querywhatif -WhatIf
[pscustomobject]@{ Written = (Test-Path (Join-Path `$env:SMOKE_ARTIFACTS 'querywhatif')) }
"@
        $whatIf.Printed | Should -Match 'What if: Performing the operation "GET /healthy/health\?code=\*\*\*, then /healthy/api/me\?api_key=\*\*\* without and with a token" on target "https://127\.0\.0\.1:\d+/healthy/"'
        $whatIf.Written | Should -BeFalse

        $result = Invoke-SmokeSession (New-SmokeScript healthy "-Token `$token -HealthPath '/health?code=$functionKey'" querykey1 -Probe "/api/me?api_key=$apiKey")

        $result.ErrorId | Should -BeNullOrEmpty
        $result.Outcomes | Should -Be @('Passed', 'Passed', 'Passed')
        $result.Urls[0] | Should -Match '^https://127\.0\.0\.1:\d+/healthy/health\?code=\*\*\*$'
        $result.Urls[2] | Should -Match '^https://127\.0\.0\.1:\d+/healthy/api/me\?api_key=\*\*\*$'
        $artifact = $result.Artifact | ConvertFrom-Json
        $artifact.calls.health.url | Should -Be $result.Urls[0]
        $artifact.calls.authorized.url | Should -Be $result.Urls[2]
        foreach ($text in @($whatIf.Printed, $result.Printed, $result.Streams, ($result.Urls -join ' '), $result.Artifact)) {
            "$text" | Should -Not -Match $functionKey
            "$text" | Should -Not -Match $apiKey
        }
        Assert-NoSecret $result
    }

    It 'refuses to prompt in a non-interactive host: CONFIRMATION_REQUIRED, also in api-smoke.json, and calls nothing' {
        $result = Invoke-SmokeSession (New-SmokeScript healthy '-Token $token -Confirm' noprompt1)

        $result.ErrorId | Should -Be 'CONFIRMATION_REQUIRED,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
        $result.Category | Should -Be 'InvalidOperation'
        $result.Recommended | Should -Match '^Pass -Confirm:\$false'
        $result.Error | Should -Match 'Invoke-ApiSmokeTest asks before it changes anything .*pass -Confirm:\$false'
        $result.Error | Should -Not -Match 'UNEXPECTED_ERROR|PSInvalidOperationException'
        $result.Ids | Should -BeNullOrEmpty
        $artifact = $result.Artifact | ConvertFrom-Json
        $artifact.reasonCode | Should -Be 'CONFIRMATION_REQUIRED'
        $artifact.nextStep | Should -Match '^Pass -Confirm:\$false'
        @($artifact.assertions.outcome) | Should -Be @('skipped', 'skipped', 'skipped')
        # No call was made: the artifact records none.
        @($artifact.calls.health, $artifact.calls.unauthorized, $artifact.calls.authorized) | ForEach-Object { $_ | Should -BeNullOrEmpty }
        Assert-NoSecret $result
    }

    It 'waits for auth to propagate with a token from -Scope through az, showing progress while it retries' {
        $result = Invoke-SmokeSession @'
$ps = [powershell]::Create()
$null = $ps.AddScript("Import-Module '$env:SMOKE_MANIFEST'; Invoke-ApiSmokeTest '$($env:SMOKE_ENDPOINT)propagating/' -ProbePath /api/me -Scope 'api://fake-api/.default' -RetryWindow 30s -ArtifactPath '$env:SMOKE_ARTIFACTS' -CommitSha scope1")
$objects = $ps.Invoke()
[pscustomobject]@{
    Errors = @($ps.Streams.Error | ForEach-Object { "$_" })
    Outcomes = @($objects | ForEach-Object { "$($_.Outcome)" })
    Attempts = @($objects.Attempts)
    Progress = @($ps.Streams.Progress | Where-Object RecordType -eq 'Processing' | ForEach-Object { "$($_.Activity): $($_.StatusDescription)" })
    Closed = @($ps.Streams.Progress | Where-Object RecordType -eq 'Completed').Count
    Artifact = (Get-Content (Join-Path $env:SMOKE_ARTIFACTS 'scope1' 'api-smoke.json') -Raw)
}
'@
        $result.Errors | Should -BeNullOrEmpty
        $result.Outcomes | Should -Be @('Passed', 'Passed', 'Passed')
        $result.Attempts[2] | Should -BeGreaterThan 1
        $result.Progress[0] | Should -Match '^API smoke test: authorized-2xx: attempt 1: 401 Unauthorized; next in 1s$'
        $result.Closed | Should -BeGreaterThan 0
        $timeline = ($result.Artifact | ConvertFrom-Json).authorizedRetryTimeline
        $timeline[0].status | Should -Be 401
        $timeline[0].detail | Should -Match 'signing key of the token is not known yet'
        $timeline[-1].status | Should -Be 200
        Assert-NoSecret $result
    }

    It 'stops at once on Ctrl+C (a pipeline stop) during the retry window and still writes the artifact' {
        $result = Invoke-SmokeSession @'
$ps = [powershell]::Create()
$null = $ps.AddScript("Import-Module '$env:SMOKE_MANIFEST'; Invoke-ApiSmokeTest '$($env:SMOKE_ENDPOINT)neverpropagates/' -ProbePath /api/me -Scope 'api://fake-api/.default' -RetryWindow 10min -ArtifactPath '$env:SMOKE_ARTIFACTS' -CommitSha stop1")
$running = $ps.BeginInvoke()
while ($ps.Streams.Progress.Count -eq 0 -and -not $running.IsCompleted) { Start-Sleep -Milliseconds 50 }
$ps.Stop()
[pscustomobject]@{
    State = "$($ps.InvocationStateInfo.State)"
    Artifact = (Get-Content (Join-Path $env:SMOKE_ARTIFACTS 'stop1' 'api-smoke.json') -Raw)
}
'@
        # A 10min window that ended with the test: the stop was not waited out.
        $result.State | Should -Be 'Stopped'
        $artifact = $result.Artifact | ConvertFrom-Json
        $artifact.reasonCode | Should -Be 'CANCELLED'
        $artifact.failedAssertion.id | Should -Be 'authorized-2xx'
        $artifact.authorizedRetryTimeline[0].status | Should -Be 403
        Assert-NoSecret $result
    }

    It 'fails AZURE_AUTH_FAILED when -Scope names an API nobody can get a token for' {
        $result = Invoke-SmokeSession (New-SmokeScript healthy "-Scope 'api://unknown-api/.default'" noscope1)

        $result.ErrorId | Should -Be 'AZURE_AUTH_FAILED,SchemaMigrate.Cmdlets.InvokeApiSmokeTestCommand'
        $result.Category | Should -Be 'AuthenticationError'
        $result.Outcomes | Should -Be @('Passed', 'Passed', 'Failed')
        ($result.Artifact | ConvertFrom-Json).failedAssertion.detail | Should -Match '^no token: could not get a token for api://unknown-api/.default'
        Assert-NoSecret $result
    }
}
