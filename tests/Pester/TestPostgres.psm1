# A throwaway PostgreSQL for the Pester suite: the server named by SCHEMAMIGRATE_TEST_PG (an Npgsql connection
# string for a superuser), or a cluster started here from the machine's server binaries (SCHEMAMIGRATE_PG_BIN,
# PGBIN on GitHub's Windows images, /usr/lib/postgresql/*/bin on Ubuntu, or PATH), removed by Stop-TestPostgres.

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

function Start-TestPostgres {
    $bin = Find-PostgresBin
    if ($env:SCHEMAMIGRATE_TEST_PG) {
        $builder = [System.Data.Common.DbConnectionStringBuilder]::new()
        $builder.ConnectionString = $env:SCHEMAMIGRATE_TEST_PG
        $port = 5432
        if ($builder.ContainsKey('Port')) {
            $port = [int]$builder['Port']
        }
        return [pscustomobject]@{
            Bin      = $bin
            Host     = [string]$builder['Host']
            Port     = $port
            User     = [string]$builder['Username']
            Password = [string]$builder['Password']
            Root     = $null
        }
    }

    $root = Join-Path ([System.IO.Path]::GetTempPath()) ('schemamigrate-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    $data = Join-Path $root 'data'
    New-Item -ItemType Directory -Path $root | Out-Null
    $password = [guid]::NewGuid().ToString('N')
    $passwordFile = Join-Path $root 'pwfile'
    Set-Content -LiteralPath $passwordFile -Value $password -NoNewline

    $initdbOutput = & (Join-Path $bin 'initdb') -D $data -U postgres "--pwfile=$passwordFile" '--auth=scram-sha-256' -E UTF8 '--locale=C' '--no-sync' 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "initdb failed: $initdbOutput"
    }
    Remove-Item -LiteralPath $passwordFile

    $port = Get-FreePort
    $options = "-p $port -c listen_addresses=127.0.0.1 -c fsync=off"
    if (-not $IsWindows) {
        $options += " -k $root"
    }
    $startOutput = & (Join-Path $bin 'pg_ctl') -D $data -l (Join-Path $root 'server.log') -w -t 60 -o $options start 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "pg_ctl start failed: $startOutput"
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
        & (Join-Path $Server.Bin 'pg_ctl') -D (Join-Path $Server.Root 'data') -m immediate -w stop 2>&1 | Out-Null
        Remove-Item -LiteralPath $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
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
    $rows = & (Join-Path $Server.Bin 'psql') -h $Server.Host -p $Server.Port -U $Server.User -d $Database -v ON_ERROR_STOP=1 -X -q -t -A -c $Sql 2>&1
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

Export-ModuleMember -Function 'Start-TestPostgres', 'Stop-TestPostgres', 'Get-TestConnectionString', 'Invoke-TestSql', 'New-TestDatabase'
