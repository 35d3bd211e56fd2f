#!/usr/bin/env bash
# verify --trace beside plain verify of the same 300 files, run interleaved on one throwaway PostgreSQL, each run
# on a scratch database of its own (--dev-database). Usage: bench/trace.sh [runs] (default 5). Writes
# bench/trace-results.md. Standalone on purpose: a runner that folds bench cases together can call it as is.
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-5}"
dotnet publish ../src/MigrateRunner -c Release -f net10.0 -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o .out/runner --nologo -v q

corpus=.out/trace-corpus
rm -rf "$corpus" && mkdir -p "$corpus"
for i in $(seq 1 300); do
  n=$(printf %03d "$i")
  if (( i % 10 == 0 )); then
    # Every tenth file indexes an earlier table without blocking writes: a statement the trace watches from outside.
    printf -- '-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY bench_%s_name_idx ON bench_%s (name);\n' "$((i - 1))" "$((i - 1))" > "$corpus/${n}_index_bench_$((i - 1)).sql"
  else
    cat > "$corpus/${n}_bench_$i.sql" <<SQL
-- bench migration $i: a table, an index, a comment with a ; inside, seed rows, a function
CREATE TABLE bench_$i (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    name       text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bench_${i}_account_idx ON bench_$i (account_id);
COMMENT ON TABLE bench_$i IS 'bench table $i; with a semicolon';
INSERT INTO bench_$i (account_id, name) SELECT g % 10, 'row ' || g FROM generate_series(1, 20) g;
CREATE FUNCTION bench_${i}_touch() RETURNS trigger LANGUAGE plpgsql AS \$fn\$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END; \$fn\$;
SQL
  fi
done

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg=$(mktemp -d /tmp/schemamigrate-trace-bench-XXXXXX)
as=(); [[ $(id -u) == 0 ]] && { chown postgres "$pg"; as=(runuser -u postgres --); }
port=$(( 20000 + RANDOM % 20000 ))
"${as[@]}" "$bin/initdb" -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync > /dev/null
"${as[@]}" "$bin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-p $port -k $pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start > /dev/null
trap '"${as[@]}" "$bin/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null; rm -rf "$pg"' EXIT
dev="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

seconds() { local start end; start=$(date +%s%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; end=$(date +%s%N); awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
verify=(); traced=()
for r in $(seq 1 "$runs"); do
  verify+=("$(seconds dotnet .out/runner/MigrateRunner.dll verify --migrations-dir "$corpus" --dev-database "$dev")")
  traced+=("$(seconds dotnet .out/runner/MigrateRunner.dll verify --trace --applied-through none --migrations-dir "$corpus" --dev-database "$dev")")
done
v=$(printf '%s\n' "${verify[@]}" | median); t=$(printf '%s\n' "${traced[@]}" | median)
ratio=$(awk -v t="$t" -v v="$v" 'BEGIN { printf "%.2f", t / v }')
{
  echo "# verify --trace beside verify"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, PostgreSQL $("$bin/postgres" --version | awk '{print $3}') (fsync off), $runs runs each, interleaved, medians of wall time."
  echo "300 files: 270 of a table, an index, a comment, 20 rows and a function; every tenth a no-transaction CREATE INDEX CONCURRENTLY."
  echo
  echo "| command | median s | runs s | ratio |"
  echo "|---|---|---|---|"
  echo "| verify | $v | ${verify[*]} | 1.00 |"
  echo "| verify --trace --applied-through none | $t | ${traced[*]} | $ratio |"
} > trace-results.md
cat trace-results.md
