# A throwaway PostgreSQL for the Pester suite: the server named by SCHEMAMIGRATE_TEST_PG (an Npgsql connection
# string for a superuser), or a cluster started here from the machine's server binaries (SCHEMAMIGRATE_PG_BIN,
# PGBIN on GitHub's Windows images, /usr/lib/postgresql/*/bin on Debian and Ubuntu, or PATH), removed by
# Stop-TestPostgres. As root on Linux the cluster runs as the postgres user (initdb refuses root), as the engine's
# own throwaway cluster does. The superuser password file never outlives the start, failed or not.

function Find-PostgresBin {
    $candidates = @($env:SCHEMAMIGRATE_PG_BIN, $env:PGBIN)
    if (Test-Path '/usr/lib/postgresql') {
        $candidates += Get-ChildItem '/usr/lib/postgresql' -Directory |
            Sort-Object { [int]$_.Name } -Descending |
            ForEach-Object { Join-Path $_.FullName 'bin' }
    }
    $onPath = Get-Command psql -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) {
        $candidates += Split-Path $onPath.Source
    }
    foreach ($candidate in $candidates) {
        if ($candidate -and (Get-ChildItem -Path $candidate -Filter 'psql*' -ErrorAction SilentlyContinue)) {
            return $candidate
        }
    }
    throw 'PostgreSQL binaries not found: set SCHEMAMIGRATE_PG_BIN (or SCHEMAMIGRATE_TEST_PG to use a running server)'
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try {
        return $listener.LocalEndpoint.Port
    }
    finally {
        $listener.Stop()
    }
}

function Test-Root {
    return $IsLinux -and (id -u) -eq '0'
}

# Runs a server binary, as the postgres user when this process is root; throws with its output on failure.
function Invoke-PostgresTool {
    param([string] $Bin, [string] $Tool, [string[]] $Arguments)
    $program = Join-Path $Bin $Tool
    $output = if (Test-Root) { & runuser -u postgres -- $program @Arguments 2>&1 } else { & $program @Arguments 2>&1 }
    if ($LASTEXITCODE -ne 0) {
        throw "$Tool failed (exit $LASTEXITCODE): $($output -join ' ')"
    }
}

# The parts of an Npgsql connection string the harness needs, whatever key spelling it uses.
function ConvertFrom-ConnectionString {
    param([string] $ConnectionString)
    # Set through the method: in PowerShell `$builder.ConnectionString = ...` adds a dictionary key of that name.
    $builder = [System.Data.Common.DbConnectionStringBuilder]::new()
    $builder.set_ConnectionString($ConnectionString)
    function Get-Key([string[]] $Names, $Default) {
        foreach ($name in $Names) {
            if ($builder.ContainsKey($name)) {
                return [string]$builder[$name]
            }
        }
        return $Default
    }
    return @{
        Host     = Get-Key @('Host', 'Server') 'localhost'
        Port     = [int](Get-Key @('Port') 5432)
        User     = Get-Key @('Username', 'User Name', 'User ID', 'UserId', 'User') 'postgres'
        Password = Get-Key @('Password', 'PWD') ''
    }
}

function Start-TestPostgres {
    # -TempRoot: where the cluster's folder goes (default /tmp as root, else the temp folder).
    param([string] $TempRoot)
    $bin = Find-PostgresBin
    if ($env:SCHEMAMIGRATE_TEST_PG) {
        $parts = ConvertFrom-ConnectionString $env:SCHEMAMIGRATE_TEST_PG
        return [pscustomobject]($parts + @{ Bin = $bin; Root = $null })
    }

    $asPostgres = Test-Root
    $temp = if ($TempRoot) { $TempRoot } elseif ($asPostgres) { '/tmp' } else { [System.IO.Path]::GetTempPath() }
    $root = Join-Path $temp ('schemamigrate-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    $data = Join-Path $root 'data'
    New-Item -ItemType Directory -Path $root | Out-Null
    $password = [guid]::NewGuid().ToString('N')
    $passwordFile = Join-Path $root 'pwfile'
    $started = $false
    try {
        Set-Content -LiteralPath $passwordFile -Value $password -NoNewline
        if ($asPostgres) {
            chown -R postgres $root
        }
        Invoke-PostgresTool $bin 'initdb' @('-D', $data, '-U', 'postgres', "--pwfile=$passwordFile", '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync')
        [System.IO.File]::Delete($passwordFile)

        $port = Get-FreePort
        $options = "-p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200"
        if (-not $IsWindows) {
            $options += " -k $root"
        }
        Invoke-PostgresTool $bin 'pg_ctl' @('-D', $data, '-l', (Join-Path $root 'server.log'), '-w', '-t', '60', '-o', $options, 'start')
        $started = $true
    }
    finally {
        [System.IO.File]::Delete($passwordFile)
        if (-not $started) {
            Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
    return [pscustomobject]@{
        Bin      = $bin
        Host     = '127.0.0.1'
        Port     = $port
        User     = 'postgres'
        Password = $password
        Root     = $root
    }
}

function Stop-TestPostgres {
    param([Parameter(Mandatory)] $Server)
    if ($Server.Root) {
        try {
            Invoke-PostgresTool $Server.Bin 'pg_ctl' @('-D', (Join-Path $Server.Root 'data'), '-m', 'immediate', '-w', 'stop')
        }
        finally {
            Remove-Item -LiteralPath $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

# An Npgsql connection string to one database of the server.
function Get-TestConnectionString {
    param([Parameter(Mandatory)] $Server, [string] $Database = 'postgres', [string] $Password = $Server.Password)
    return "Host=$($Server.Host);Port=$($Server.Port);Username=$($Server.User);Password=$Password;Database=$Database"
}

# Runs SQL with psql and returns its rows, one string per row (columns separated by |).
function Invoke-TestSql {
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Sql, [string] $Database = 'postgres')
    $env:PGPASSWORD = $Server.Password
    try {
        $rows = & (Join-Path $Server.Bin 'psql') -h $Server.Host -p $Server.Port -U $Server.User -d $Database -v ON_ERROR_STOP=1 -X -q -t -A -c $Sql 2>&1
    }
    finally {
        Remove-Item Env:PGPASSWORD
    }
    if ($LASTEXITCODE -ne 0) {
        throw "psql failed: $rows"
    }
    return @($rows | Where-Object { $_ -ne '' })
}

function New-TestDatabase {
    param([Parameter(Mandatory)] $Server)
    $name = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    Invoke-TestSql -Server $Server -Sql "CREATE DATABASE $name" | Out-Null
    return $name
}

Export-ModuleMember -Function 'Start-TestPostgres', 'Stop-TestPostgres', 'Get-TestConnectionString', 'Invoke-TestSql', 'New-TestDatabase', 'ConvertFrom-ConnectionString'
