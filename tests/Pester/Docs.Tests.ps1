#Requires -Version 7.4
# The PowerShell sessions of docs/powershell.md are real: every `PS> ` command of the page runs, in order, in one child
# pwsh against a real PostgreSQL, and what it prints must be what the page shows under it. Only the server's address,
# the password prompt and elapsed times differ, and both sides are normalised for them below.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestPostgres.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:server = Start-TestPostgres

    # The commands and the output under each one, in page order. A command continues on lines starting ">> ".
    function Get-PageSession([string] $Page) {
        $steps = [System.Collections.Generic.List[object]]::new()
        $inBlock = $false
        $fenceIndent = 0
        foreach ($raw in Get-Content (Join-Path (Get-RepoRoot) 'docs' $Page)) {
            $line = $raw.TrimStart()
            if ($line.StartsWith('```')) {
                $inBlock = -not $inBlock
                $fenceIndent = $raw.Length - $line.Length
                $current = $null
                continue
            }
            if (-not $inBlock) {
                continue
            }
            if ($line.StartsWith('PS> ')) {
                $current = [pscustomobject]@{ Command = $line.Substring(4); Expected = [System.Collections.Generic.List[string]]::new() }
                $steps.Add($current)
            }
            elseif ($current -and $line.StartsWith('>> ')) {
                $current.Command += "`n" + $line.Substring(3)
            }
            elseif ($current) {
                # Output lines keep their indentation relative to the block's (a block in a list item is indented).
                $indent = $raw.Length - $raw.TrimStart().Length
                $current.Expected.Add($raw.Substring([Math]::Min($indent, $fenceIndent)))
            }
        }
        return $steps
    }

    function Format-Output([string[]] $Lines) {
        $text = ($Lines | ForEach-Object { $_.TrimEnd() }) -join "`n"
        $text = $text -replace '127\.0\.0\.1:\d+', 'db.internal:5432' -replace '\d\d:\d\d:\d\d\.\d{7}', '00:00:00.0000000' -replace '\b\d+\.\d{3}s\b', '0.000s'
        return $text.Trim("`n")
    }
}

AfterAll {
    if ($script:server) {
        Stop-TestPostgres -Server $script:server
    }
}

Describe 'docs/powershell.md' {
    BeforeAll {
        $steps = Get-PageSession 'powershell.md'
        $password = [guid]::NewGuid().ToString('N')
        # The page's role and database, made afresh (a server of your own, SCHEMAMIGRATE_TEST_PG, may have them from a run before).
        Invoke-TestSql -Server $script:server -Sql 'DROP DATABASE IF EXISTS app WITH (FORCE)' | Out-Null
        Invoke-TestSql -Server $script:server -Sql "DO `$`$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator') THEN CREATE ROLE migrator LOGIN; END IF; END `$`$" | Out-Null
        Invoke-TestSql -Server $script:server -Sql "ALTER ROLE migrator PASSWORD '$password'" | Out-Null
        Invoke-TestSql -Server $script:server -Sql 'CREATE DATABASE app OWNER migrator' | Out-Null
        $work = New-MigrationFolder -Empty
        New-Item -ItemType Directory -Path (Join-Path $work 'ops') | Out-Null
        Copy-Item -Path (Get-SampleFolder) -Destination (Join-Path $work 'ops' 'migrations') -Recurse

        # What the page cannot show as it runs here: the server's port, and the password typed at the prompt.
        $substitutions = @{
            'Host=db.internal;'           = "Host=127.0.0.1;Port=$($script:server.Port);"
            'Get-Credential migrator'     = "[pscredential]::new('migrator', (ConvertTo-SecureString '$password' -AsPlainText -Force))"
        }
        $script = [System.Text.StringBuilder]::new("Set-Location '$work'`n")
        for ($i = 0; $i -lt $steps.Count; $i++) {
            $command = $steps[$i].Command
            foreach ($key in $substitutions.Keys) {
                $command = $command.Replace($key, $substitutions[$key])
            }
            $encoded = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($command))
            [void]$script.AppendLine("[Console]::Out.WriteLine('@@STEP $i')")
            # Errors print as the console prints them (the error view), where they happen.
            [void]$script.AppendLine("try { Invoke-Expression ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('$encoded'))) 2>&1 | Out-String -Width 120 | ForEach-Object { [Console]::Out.Write(`$_) } }")
            [void]$script.AppendLine("catch { `$_ | Out-String -Width 120 | ForEach-Object { [Console]::Out.Write(`$_) } }")
        }
        $run = Invoke-Pwsh -Script $script.ToString()
        $script:actual = @{}
        $index = -1
        foreach ($line in $run.Text -split "`n") {
            if ($line -match '^@@STEP (\d+)$') {
                $index = [int]$Matches[1]
                $script:actual[$index] = [System.Collections.Generic.List[string]]::new()
            }
            elseif ($index -ge 0) {
                $script:actual[$index].Add($line)
            }
        }
        $script:steps = $steps
        $script:cases = for ($i = 0; $i -lt $steps.Count; $i++) { @{ Index = $i; Command = $steps[$i].Command } }
    }

    It 'shows a session of at least ten commands' {
        $script:steps.Count | Should -BeGreaterOrEqual 10
    }

    It 'prints what the page shows for every command' {
        foreach ($case in $script:cases) {
            $expected = Format-Output $script:steps[$case.Index].Expected
            $got = Format-Output $script:actual[$case.Index]
            $got | Should -BeExactly $expected -Because "PS> $($case.Command)"
        }
    }
}
