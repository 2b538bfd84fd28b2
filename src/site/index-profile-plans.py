#!/usr/bin/env python3
"""The plans of src/site/index-profile.md: EXPLAIN (ANALYZE, BUFFERS, no timing) of every statement under the
default and the lean profile, on a database built by index-profile-dataset.sql plus changeSets 001-005's
CREATE INDEX statements and VACUUM ANALYZE. Each profile runs in one transaction that is rolled back; the
lean one first runs the <sql> of changelog/changes/006-lean-index-profile.xml.

    python3 src/site/index-profile-plans.py DATABASE   (from the repository root; psql on PATH, PG* variables)
"""
import json, re, subprocess, sys

COLS = ("task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, execution_type, agent_id, "
        "action_id, tool_id, parent_state_id, input, output, error, created_at, updated_at")
WCOLS = "workflow_exec_id, workflow_id, status, input, output, error, created_at, updated_at"
EX = "'2000129025c4467d2b6e3d489b9'"      # execution 1290: RUNNING, 46 tasks
BIG = "'20004589f427a58f6278bf6755c'"     # execution 4589: RUNNING, 20,000 tasks
COLL = "'30001234000002774cc69437ff6'"    # collection of execution 1234 (typical)
BIGCOLL = "'30004589000002acc781496c53c'" # collection of execution 4589 (19,000 children)
PAR = "'3000123400000582f36389e3912'"     # parallel task of execution 1234
TASK = "'30001234000100fb2f8ee0bd4fb'"

def lst(where, order="created_at, task_exec_id", limit="LIMIT 100"):
    return f"SELECT {COLS} FROM task_states WHERE {where} ORDER BY {order} {limit}"

CLAIM = """WITH expired AS MATERIALIZED (
    SELECT task_exec_id FROM task_states WHERE {w} status = 'RUNNING' AND lease_owner IS NOT NULL AND lease_expires_at < now()
    ORDER BY lease_expires_at LIMIT 10 FOR NO KEY UPDATE SKIP LOCKED
), pending AS MATERIALIZED (
    SELECT task_exec_id FROM task_states WHERE {w} status = 'PENDING'
    ORDER BY created_at, task_exec_id LIMIT 10 - (SELECT count(*) FROM expired) FOR NO KEY UPDATE SKIP LOCKED
)
UPDATE task_states t SET status = 'RUNNING', lease_owner = 'w', lease_expires_at = now() + interval '30 s',
    attempts = t.attempts + 1, fencing_token = t.fencing_token + 1, updated_at = now()
WHERE t.task_exec_id = ANY (ARRAY(SELECT task_exec_id FROM expired UNION ALL SELECT task_exec_id FROM pending))
  AND (t.status = 'PENDING' OR (t.status = 'RUNNING' AND t.lease_expires_at < now()))
RETURNING t.task_exec_id"""

QUERIES = [
 # --- task repository (this module) ---
 ("getState, getStateForUpdate, the guarded writes' lookups (by id)", f"SELECT {COLS} FROM task_states WHERE task_exec_id = {TASK}"),
 ("upsertState (ON CONFLICT arbiter; the foreign keys look up both parents by id)",
  f"INSERT INTO task_states (task_exec_id, task_id, workflow_exec_id, workflow_id, component, status, execution_type, parent_state_id) "
  f"VALUES ({TASK}, 'item-100', '2000123432e67be1769dc169194', 'wf-34', 'task', 'RUNNING', 'basic', {COLL}) "
  f"ON CONFLICT (task_exec_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()"),
 ("listTasksInWorkflow(s), getExecution's tasks (46 tasks)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = ANY (ARRAY[{EX}])"),
 ("listTasksInWorkflow (20,000 tasks)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = ANY (ARRAY[{BIG}])"),
 ("listExecutions' tasks of a page of 50 executions", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = ANY (ARRAY(SELECT workflow_exec_id FROM workflow_states ORDER BY updated_at DESC LIMIT 50))"),
 ("listTasksByStatus (46 tasks, RUNNING)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = {EX} AND status = 'RUNNING' ORDER BY created_at, task_exec_id"),
 ("listTasksByStatus (20,000 tasks, RUNNING)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = {BIG} AND status = 'RUNNING' ORDER BY created_at, task_exec_id"),
 ("listTasksByAgent (20,000 tasks)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = {BIG} AND agent_id = 'agent-3' ORDER BY created_at, task_exec_id"),
 ("listTasksByTool (20,000 tasks)", f"SELECT {COLS} FROM task_states WHERE workflow_exec_id = {BIG} AND tool_id = 'tool-3' ORDER BY created_at, task_exec_id"),
 ("listChildren (182 children)", f"SELECT {COLS} FROM task_states WHERE parent_state_id = {COLL} ORDER BY task_id, created_at, task_exec_id"),
 ("listChildren (19,000 children)", f"SELECT {COLS} FROM task_states WHERE parent_state_id = {BIGCOLL} ORDER BY task_id, created_at, task_exec_id"),
 ("listChildrenOutputs (182 children)", f"""SELECT DISTINCT ON (task_id) task_id, output, task_exec_id FROM task_states
    WHERE parent_state_id = {COLL} AND output IS NOT NULL AND jsonb_typeof(output) <> 'null'
    ORDER BY task_id, created_at DESC, task_exec_id COLLATE "C" DESC"""),
 ("getChildByTaskId", f"""SELECT {COLS} FROM task_states WHERE parent_state_id = {BIGCOLL} AND task_id = 'item-777'
    ORDER BY created_at DESC, task_exec_id COLLATE "C" DESC LIMIT 1"""),
 ("getTaskTree (a parallel task: 4 branches, 10 grandchildren)", f"""WITH RECURSIVE tree AS (
    SELECT t.*, 0 AS depth, ARRAY[t.task_exec_id] AS path FROM task_states t WHERE t.task_exec_id = {PAR}
  UNION ALL
    SELECT c.*, tree.depth + 1, tree.path || c.task_exec_id FROM task_states c JOIN tree ON c.parent_state_id = tree.task_exec_id
    WHERE tree.depth < 100 AND c.task_exec_id <> ALL (tree.path))
  SELECT {COLS} FROM tree ORDER BY depth, created_at, task_exec_id"""),
 ("getProgressInfo (182 children)", f"SELECT status, count(*) AS children FROM task_states WHERE parent_state_id = {COLL} GROUP BY status"),
 ("getProgressInfo (19,000 children)", f"SELECT status, count(*) AS children FROM task_states WHERE parent_state_id = {BIGCOLL} GROUP BY status"),
 ("claimPendingTasks(execution)", f"""UPDATE task_states SET status = 'RUNNING', updated_at = now() WHERE task_exec_id = ANY (ARRAY(
    SELECT task_exec_id FROM task_states WHERE workflow_exec_id = {BIG} AND status = 'PENDING' ORDER BY created_at, task_exec_id
    LIMIT 10 FOR NO KEY UPDATE SKIP LOCKED)) AND status = 'PENDING' RETURNING task_exec_id"""),
 ("claimPendingTasks(anywhere)", """UPDATE task_states SET status = 'RUNNING', updated_at = now() WHERE task_exec_id = ANY (ARRAY(
    SELECT task_exec_id FROM task_states WHERE status = 'PENDING' ORDER BY created_at, task_exec_id
    LIMIT 10 FOR NO KEY UPDATE SKIP LOCKED)) AND status = 'PENDING' RETURNING task_exec_id"""),
 ("claimTasks(execution, lease)", CLAIM.format(w=f"workflow_exec_id = {BIG} AND")),
 ("claimTasks(lease, anywhere)", CLAIM.format(w="")),
 ("reclaimExpired", """UPDATE task_states t SET status = 'PENDING', lease_expires_at = NULL, fencing_token = t.fencing_token + 1, updated_at = now()
    WHERE t.task_exec_id = ANY (ARRAY(SELECT task_exec_id FROM task_states
        WHERE status = 'RUNNING' AND lease_owner IS NOT NULL AND lease_expires_at < now() ORDER BY lease_expires_at LIMIT 10
        FOR NO KEY UPDATE SKIP LOCKED)) AND t.status = 'RUNNING' AND t.lease_expires_at < now() RETURNING t.task_exec_id"""),
 ("listStates {workflow_exec_id} (page of 100)", lst(f"workflow_exec_id = {BIG}")),
 ("listStates {workflow_exec_id, status}", lst(f"workflow_exec_id = {BIG} AND status = 'PENDING'")),
 ("listStates {parent_state_id}", lst(f"parent_state_id = {BIGCOLL}")),
 ("listStates {status: PENDING}", lst("status = 'PENDING'")),
 ("listStates {status: RUNNING}", lst("status = 'RUNNING'")),
 ("listStates {workflow_id}", lst("workflow_id = 'wf-9'")),
 ("listStates {workflow_id, task_id}", lst("workflow_id = 'wf-9' AND task_id = 'task-5'")),
 ("listStates {task_id}", lst("task_id = 'item-777'")),
 ("listStates {agent_id}", lst("agent_id = 'agent-3'")),
 ("listStates {tool_id}", lst("tool_id = 'tool-3'")),
 ("listStates {action_id}", lst("action_id = 'act-3'")),
 ("listStates {execution_type: collection}", lst("execution_type = 'collection'")),
 ("listStates {} (first page)", lst("true")),
 ("listStates {workflow_exec_id}, next page (keyset)", lst(f"workflow_exec_id = {BIG} AND (created_at, task_exec_id) > ('2026-10-26 19:52:00+00', '')")),
 ("deleteExecution / purge: the foreign key's cascade to tasks (RI query)", f"DELETE FROM ONLY task_states WHERE workflow_exec_id = {EX}"),
 ("the cascade to children when a task row goes (RI query, once per deleted row)", f"DELETE FROM ONLY task_states WHERE parent_state_id = {COLL}"),
 # --- workflow repository (this module) ---
 ("getExecution, completeWorkflow's lock, updateStatus (by id)", f"SELECT {WCOLS} FROM workflow_states WHERE workflow_exec_id = {EX}"),
 ("listExecutions {} (page of 50, newest updated first)", f"SELECT {WCOLS} FROM workflow_states ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT 50"),
 ("listExecutions {status: RUNNING}", f"SELECT {WCOLS} FROM workflow_states WHERE status = 'RUNNING' ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT 50"),
 ("listExecutions {workflow_id}", f"SELECT {WCOLS} FROM workflow_states WHERE workflow_id = 'wf-9' ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT 50"),
 ("listExecutions {workflow_id, status}", f"SELECT {WCOLS} FROM workflow_states WHERE workflow_id = 'wf-9' AND status = 'FAILED' ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT 50"),
 ("listExecutions {created in one day}", f"SELECT {WCOLS} FROM workflow_states WHERE created_at >= '2026-10-10' AND created_at < '2026-10-11' ORDER BY updated_at DESC, workflow_exec_id DESC LIMIT 50"),
 ("getExecutionByWorkflowId", f"SELECT {WCOLS} FROM workflow_states WHERE workflow_id = 'wf-9' ORDER BY created_at DESC, workflow_exec_id DESC LIMIT 1"),
 ("getExecutionByTaskId", f"""SELECT {WCOLS} FROM workflow_states w WHERE w.workflow_id = 'wf-9'
    AND EXISTS (SELECT 1 FROM task_states t WHERE t.workflow_exec_id = w.workflow_exec_id AND t.task_id = 'item-300')
    ORDER BY w.created_at DESC, w.workflow_exec_id DESC LIMIT 1"""),
 ("getExecutionByAgentId", f"""SELECT {WCOLS} FROM workflow_states w WHERE w.workflow_id = 'wf-9'
    AND EXISTS (SELECT 1 FROM task_states t WHERE t.workflow_exec_id = w.workflow_exec_id AND t.agent_id = 'agent-3')
    ORDER BY w.created_at DESC, w.workflow_exec_id DESC LIMIT 1"""),
 ("getExecutionByToolId (no execution matches)", f"""SELECT {WCOLS} FROM workflow_states w WHERE w.workflow_id = 'wf-9'
    AND EXISTS (SELECT 1 FROM task_states t WHERE t.workflow_exec_id = w.workflow_exec_id AND t.tool_id = 'tool-none')
    ORDER BY w.created_at DESC, w.workflow_exec_id DESC LIMIT 1"""),
 ("completeWorkflow's top-level statuses (20,000 tasks)", f"""SELECT DISTINCT ON (task_id) task_id, status FROM task_states
    WHERE workflow_exec_id = {BIG} AND parent_state_id IS NULL ORDER BY task_id, created_at DESC, task_exec_id COLLATE "C" DESC"""),
 ("purgeExecutions (one batch)", """DELETE FROM workflow_states WHERE workflow_exec_id IN (SELECT workflow_exec_id FROM workflow_states
    WHERE status = ANY (ARRAY['SUCCESS','FAILED']) AND updated_at < '2026-10-05' AND workflow_exec_id > '' ORDER BY workflow_exec_id
    LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING workflow_exec_id"""),
 # --- the Go store's own statements (SPEC.md operations as compozy's Go repository writes them) ---
 ("Go ListTasksInWorkflow: DISTINCT ON (task_id) ... ORDER BY task_id, created_at DESC", f"SELECT DISTINCT ON (task_id) {COLS} FROM task_states WHERE workflow_exec_id = {BIG} ORDER BY task_id, created_at DESC"),
 ("Go GetState(workflow): hierarchy CTE from the top-level tasks", f"""WITH RECURSIVE h AS (
    SELECT * FROM task_states WHERE workflow_exec_id = {EX} AND parent_state_id IS NULL
  UNION ALL
    SELECT ts.* FROM task_states ts JOIN h ON ts.parent_state_id = h.task_exec_id WHERE ts.workflow_exec_id = {EX})
  SELECT * FROM h"""),
 ("Go GetStateByTaskID: JOIN on workflow_exec_id", """SELECT w.workflow_exec_id, w.status FROM workflow_states w
    JOIN task_states t ON w.workflow_exec_id = t.workflow_exec_id WHERE w.workflow_id = 'wf-9' AND t.task_id = 'item-300' LIMIT 1"""),
 ("Go GetStateByAgentID: JOIN on workflow_exec_id", """SELECT w.workflow_exec_id, w.status FROM workflow_states w
    JOIN task_states t ON w.workflow_exec_id = t.workflow_exec_id WHERE w.workflow_id = 'wf-9' AND t.agent_id = 'agent-3' LIMIT 1"""),
 ("Go GetStateByID: workflow_id LIMIT 1", "SELECT workflow_exec_id FROM workflow_states WHERE workflow_id = 'wf-9' LIMIT 1"),
 ("Go ListStates(workflow) {status}, unordered", "SELECT workflow_exec_id FROM workflow_states WHERE status = 'RUNNING'"),
 ("Go ListStates {status: RUNNING}, unordered", "SELECT task_exec_id FROM task_states WHERE status = 'RUNNING'"),
 ("Go ListStates {status: PENDING}, unordered", "SELECT task_exec_id FROM task_states WHERE status = 'PENDING'"),
 ("Go ListStates {workflow_id}, unordered", "SELECT task_exec_id FROM task_states WHERE workflow_id = 'wf-9'"),
 ("Go ListStates {task_id}, unordered", "SELECT task_exec_id FROM task_states WHERE task_id = 'item-777'"),
 ("Go ListStates {agent_id}, unordered", "SELECT task_exec_id FROM task_states WHERE agent_id = 'agent-3'"),
 ("Go ListStates {tool_id}, unordered", "SELECT task_exec_id FROM task_states WHERE tool_id = 'tool-3'"),
 ("Go ListStates {action_id}, unordered", "SELECT task_exec_id FROM task_states WHERE action_id = 'act-3'"),
 ("Go ListStates {execution_type: collection}, unordered", "SELECT task_exec_id FROM task_states WHERE execution_type = 'collection'"),
 ("Go ListStates {component: agent}, unordered (not a filter of ours)", "SELECT task_exec_id FROM task_states WHERE component = 'agent'"),
 ("Go ListStates {workflow_id, agent_id}, unordered", "SELECT task_exec_id FROM task_states WHERE workflow_id = 'wf-9' AND agent_id = 'agent-3'"),
 ("Go ListStates {workflow_id, tool_id}, unordered", "SELECT task_exec_id FROM task_states WHERE workflow_id = 'wf-9' AND tool_id = 'tool-3'"),
 ("Go ListStates {workflow_id, action_id}, unordered", "SELECT task_exec_id FROM task_states WHERE workflow_id = 'wf-9' AND action_id = 'act-3'"),
 ("Go ListStates {workflow_exec_id, execution_type}, unordered", f"SELECT task_exec_id FROM task_states WHERE workflow_exec_id = {BIG} AND execution_type = 'composite'"),
 ("Go ListStates {workflow_exec_id, status, execution_type}, unordered", f"SELECT task_exec_id FROM task_states WHERE workflow_exec_id = {BIG} AND status = 'RUNNING' AND execution_type = 'basic'"),
 ("tasks updated in the last hour (no operation has it)", "SELECT task_exec_id FROM task_states WHERE updated_at > '2026-10-28 10:00'"),
]

def run(profile_sql):
    script = ["BEGIN;", "SET LOCAL max_parallel_workers_per_gather = 0;"]
    if profile_sql:
        script.append(profile_sql)
    for i, (_, sql) in enumerate(QUERIES):
        script.append(f"\\echo @@{i}")
        script.append(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF, COSTS OFF, FORMAT JSON) {sql};")
    script.append("ROLLBACK;")
    res = subprocess.run(["psql", "-d", sys.argv[1], "-At", "-v", "ON_ERROR_STOP=1", "-q"],
                         input="\n".join(script), capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(res.stderr)
    plans, cur, buf = {}, None, []
    for line in res.stdout.splitlines():
        if line.startswith("@@"):
            if cur is not None:
                plans[cur] = json.loads("\n".join(buf))[0]["Plan"]
            cur, buf = int(line[2:]), []
        else:
            buf.append(line)
    plans[cur] = json.loads("\n".join(buf))[0]["Plan"]
    return plans

def scans(plan):
    found = []
    def walk(n):
        t = n["Node Type"]
        if "Scan" in t and t not in ("CTE Scan", "WorkTable Scan", "Function Scan", "Values Scan", "Subquery Scan", "Result"):
            found.append(t.replace(" Scan", "") + (" " + n["Index Name"] if "Index Name" in n else " " + n.get("Relation Name", "")))
        for c in n.get("Plans", []):
            walk(c)
    walk(plan)
    return found

def blocks(plan):
    return plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)

if __name__ == "__main__":
    changeset = open("changelog/changes/006-lean-index-profile.xml").read()
    lean_sql = re.search(r"<sql>(.*?)</sql>", changeset, re.S).group(1)
    d = run("")
    l = run(lean_sql)
    for i, (name, _) in enumerate(QUERIES):
        print(f"{i:2d} {name}\n   default: {', '.join(dict.fromkeys(scans(d[i])))} [{blocks(d[i])} buffers, {d[i].get('Actual Rows')} rows]"
              f"\n   lean:    {', '.join(dict.fromkeys(scans(l[i])))} [{blocks(l[i])} buffers]")
