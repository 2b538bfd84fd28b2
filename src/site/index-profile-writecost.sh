#!/bin/bash
# The write cost of src/site/index-profile.md, counted (not timed) on a server of your own with pg_walinspect
# (PostgreSQL 15+), ideally with full_page_writes = off and autovacuum = off so the WAL holds these records
# alone. From the repository root, with the PG* variables pointing at that server:
#     src/site/index-profile-writecost.sh VARIANT     (default | lean100 | lean90 | table)
# Prints, per workload: variant|workload|WAL bytes|B-tree entries|HOT updates|non-HOT updates|n_tup_upd and
# n_tup_hot_upd before|after.
set -e
V=$1; DB=writecost_$V
P="psql -v ON_ERROR_STOP=1 -q"
dropdb --if-exists $DB; createdb $DB
$P -d $DB -c "CREATE EXTENSION pg_walinspect"
sed -e 's/generate_series(1, 5000) e/generate_series(1, 500) e/' src/site/index-profile-dataset.sql | $P -d $DB
GO_INDEXES=$(awk '/CREATE INDEX/{buf=""; on=1} on{buf=buf $0 "\n"} on && /;/{printf "%s", buf; on=0}' changelog/changes/00[1-5]*.xml)
LEAN=$(sed -n '/<sql>/,/<\/sql>/{p;/<\/sql>/q}' changelog/changes/006-lean-index-profile.xml | sed '1d;$d' | grep -v fillfactor)
case $V in
  default) $P -d $DB -c "$GO_INDEXES" ;;
  lean*) $P -d $DB -c "ALTER TABLE task_states SET (fillfactor = ${V#lean})" -c "VACUUM FULL task_states" \
             -c "$GO_INDEXES" -c "$LEAN" ;;
  table) $P -d $DB -c "CREATE INDEX ON task_states (workflow_exec_id)" ;;
esac
$P -d $DB -c "VACUUM ANALYZE" -c "CHECKPOINT"
PARENT=$($P -d $DB -Atc "SELECT task_exec_id FROM task_states WHERE task_id = 'task-5' AND status = 'RUNNING' LIMIT 1")
EXEC=$($P -d $DB -Atc "SELECT workflow_exec_id FROM task_states WHERE task_exec_id = '$PARENT'")
children() { # 1,000 PENDING children of one parent in one upsert; $1 makes their ids
cat <<SQL
INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, execution_type,
                         agent_id, action_id, tool_id, parent_state_id, input, output, error)
SELECT '9$1' || lpad(i::text, 8, '0') || substr(md5('$1' || i), 1, 16), 'child-' || i, '$EXEC', 'wf-x', 'task', 'PENDING',
       'basic', NULL, NULL, NULL, '$PARENT', jsonb_build_object('prompt', repeat('p', 160), 'i', i), NULL, NULL
FROM generate_series(1, 1000) i
ON CONFLICT (task_exec_id) DO UPDATE SET status = EXCLUDED.status, input = EXCLUDED.input, updated_at = now();
SQL
}
measure() { # $1 label, stdin: the statements
  local start=$($P -d $DB -Atc "SELECT pg_current_wal_lsn()")
  local before=$($P -d $DB -Atc "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'task_states'")
  $P -d $DB > /dev/null
  sleep 1  # the statistics of the session that ended reach pg_stat_user_tables
  local end=$($P -d $DB -Atc "SELECT pg_current_wal_lsn()")
  local after=$($P -d $DB -Atc "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'task_states'")
  $P -d $DB -Atc "SELECT '$V|$1|' || pg_wal_lsn_diff('$end', '$start') || '|' ||
      coalesce(sum(count) FILTER (WHERE rt LIKE 'Btree/INSERT%' OR rt LIKE 'Btree/SPLIT%' OR rt LIKE 'Btree/NEWROOT'), 0) || '|' ||
      coalesce(sum(count) FILTER (WHERE rt LIKE 'Heap/HOT_UPDATE'), 0) || '|' ||
      coalesce(sum(count) FILTER (WHERE rt LIKE 'Heap/UPDATE'), 0) || '|$before|$after'
      FROM pg_get_wal_stats('$start', '$end', true) AS w(rt, count, cp, rs, rsp, fs, fsp, cs, csp)"
}
children a | $P -d $DB > /dev/null
children b | measure "create 1000 children"
$P -d $DB -Atc "SELECT format('UPDATE task_states SET status = %L, output = %L::jsonb, updated_at = now() WHERE task_exec_id = %L;',
    'SUCCESS', '{\"result\": \"' || repeat('o', 100) || '\"}', task_exec_id) FROM task_states WHERE task_exec_id LIKE '9b%'" \
  | measure "1000 completions (status+output)"
$P -d $DB -Atc "SELECT format('UPDATE task_states SET lease_expires_at = now() + interval ''30 s'' WHERE task_exec_id = %L;',
    task_exec_id) FROM task_states WHERE lease_owner IS NOT NULL ORDER BY task_exec_id LIMIT 1000" | measure "heartbeats"
$P -d $DB -Atc "SELECT format('UPDATE task_states SET input = input || %L::jsonb, updated_at = now() WHERE task_exec_id = %L;',
    '{\"step\": 2}', task_exec_id) FROM task_states WHERE status = 'RUNNING' ORDER BY task_exec_id DESC LIMIT 1000" \
  | measure "same-status writes (input+updated_at)"
