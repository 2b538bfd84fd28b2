-- The dataset of src/site/index-profile.md: 5,000 executions and 1,117,843 task rows, built with
-- generate_series in an empty database (psql -v ON_ERROR_STOP=1 -f src/site/index-profile-dataset.sql),
-- then the Go-compatible profile's indexes (changeSets 001-005, built after the load because that is
-- faster), VACUUM ANALYZE.
--
-- Executions: 40 workflows; statuses 82% SUCCESS, 6% FAILED, 6% RUNNING, 2% PENDING, 1% each CANCELED,
-- TIMED_OUT, WAITING, PAUSED. Every 1,000th execution (and execution 4,589, a RUNNING one) has 20,000
-- tasks; the others 40 to 360 (about 200 on average).
-- Tasks of one execution, by position c: c < 8 are top-level (c = 2 a collection holding most of the
-- rest, c = 5 a parallel task, c = 7 a router); c = 8..11 are the parallel task's branches (c = 8 a
-- composite); every 20th row from c = 20 on is a grandchild under the composite; all others are
-- collection items. Basic tasks are by turns agent (agent_id, action_id), tool, and plain tasks. Task
-- statuses follow the execution's: all SUCCESS in a successful one, the first 40% SUCCESS, then 5%
-- RUNNING (leased, every 50th lease expired), then PENDING in a running one, and so on.
-- Ids are 27 characters and ascend with time, as KSUIDs do.

SET maintenance_work_mem = '512MB';

CREATE TABLE workflow_states (
    workflow_exec_id text NOT NULL PRIMARY KEY,
    workflow_id      text NOT NULL,
    status           text NOT NULL,
    input            jsonb,
    output           jsonb,
    error            jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE task_states (
    component        text NOT NULL,
    status           text NOT NULL,
    task_exec_id     text NOT NULL PRIMARY KEY,
    task_id          text NOT NULL,
    workflow_exec_id text NOT NULL,
    workflow_id      text NOT NULL,
    execution_type   text NOT NULL DEFAULT 'basic',
    agent_id         text,
    tool_id          text,
    action_id        text,
    parent_state_id  text,
    input            jsonb,
    output           jsonb,
    error            jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    fencing_token    bigint  NOT NULL DEFAULT 0,
    attempts         integer NOT NULL DEFAULT 0
);

CREATE TEMP TABLE executions AS
SELECT e,
       '2' || lpad(e::text, 7, '0') || substr(md5('w' || e), 1, 19) AS exec_id,
       'wf-' || (e % 40) AS workflow_id,
       CASE WHEN e % 100 < 82 THEN 'SUCCESS' WHEN e % 100 < 88 THEN 'FAILED' WHEN e % 100 < 94 THEN 'RUNNING'
            WHEN e % 100 < 96 THEN 'PENDING' WHEN e % 100 = 96 THEN 'CANCELED' WHEN e % 100 = 97 THEN 'TIMED_OUT'
            WHEN e % 100 = 98 THEN 'WAITING' ELSE 'PAUSED' END AS status,
       CASE WHEN e % 1000 = 0 OR e = 4589 THEN 20000 ELSE 40 + (e * 7919) % 321 END AS n,
       timestamptz '2026-10-01 00:00:00+00' + e * interval '8 minutes' AS created_at
FROM generate_series(1, 5000) e;

INSERT INTO workflow_states (workflow_exec_id, workflow_id, status, input, output, error, created_at, updated_at)
SELECT exec_id, workflow_id, status,
       jsonb_build_object('request', repeat('r', 100), 'e', e),
       CASE WHEN status = 'SUCCESS' THEN jsonb_build_object('summary', repeat('s', 100)) END,
       CASE WHEN status = 'FAILED' THEN jsonb_build_object('message', 'task failed', 'code', 'TASK_FAILED') END,
       created_at, created_at + (e % 60) * interval '1 minute'
FROM executions ORDER BY e;

INSERT INTO task_states (component, status, task_exec_id, task_id, workflow_exec_id, workflow_id, execution_type,
                         agent_id, tool_id, action_id, parent_state_id, input, output, error, created_at, updated_at,
                         lease_owner, lease_expires_at, fencing_token, attempts)
SELECT CASE WHEN kind = 'basic' AND c % 3 = 0 THEN 'agent' WHEN kind = 'basic' AND c % 3 = 1 THEN 'tool' ELSE 'task' END,
       st,
       '3' || lpad(e::text, 7, '0') || lpad(c::text, 6, '0') || substr(md5('t' || e || '.' || c), 1, 13),
       CASE WHEN c < 8 THEN 'task-' || c WHEN c < 12 THEN 'branch-' || c WHEN c % 20 = 0 THEN 'step-' || c
            ELSE 'item-' || c END,
       exec_id, workflow_id, kind,
       CASE WHEN kind = 'basic' AND c % 3 = 0 THEN 'agent-' || (c % 17) END,
       CASE WHEN kind = 'basic' AND c % 3 = 1 THEN 'tool-' || (c % 23) END,
       CASE WHEN kind = 'basic' AND c % 3 = 0 THEN 'act-' || (c % 5) END,
       CASE WHEN c < 8 THEN NULL
            ELSE '3' || lpad(e::text, 7, '0') || lpad(p::text, 6, '0') || substr(md5('t' || e || '.' || p), 1, 13) END,
       jsonb_build_object('prompt', repeat('p', 160), 'c', c),
       CASE WHEN st = 'SUCCESS' THEN jsonb_build_object('result', md5(e || '.' || c) || repeat('o', 80), 'tokens', c) END,
       CASE WHEN st IN ('FAILED', 'TIMED_OUT') THEN jsonb_build_object('message', 'step failed', 'code', st) END,
       created, created + interval '2 seconds',
       CASE WHEN st = 'RUNNING' AND kind = 'basic' THEN 'worker-' || (c % 8) END,
       CASE WHEN st = 'RUNNING' AND kind = 'basic'
            THEN now() + CASE WHEN c % 50 = 0 THEN interval '-1 minute' ELSE interval '30 seconds' END END,
       CASE WHEN st IN ('PENDING') THEN 0 ELSE 1 END,
       CASE WHEN st IN ('PENDING') THEN 0 ELSE 1 END
FROM (
    SELECT x.e, x.exec_id, x.workflow_id, c, x.created_at + c * interval '200 milliseconds' AS created,
           CASE WHEN c = 2 THEN 'collection' WHEN c = 5 THEN 'parallel' WHEN c = 8 THEN 'composite'
                WHEN c = 7 THEN 'router' ELSE 'basic' END AS kind,
           CASE WHEN c < 8 THEN NULL WHEN c < 12 THEN 5 WHEN c % 20 = 0 THEN 8 ELSE 2 END AS p,
           CASE WHEN c IN (2, 5, 8) THEN CASE WHEN x.status IN ('SUCCESS', 'FAILED', 'CANCELED', 'TIMED_OUT')
                                              THEN x.status ELSE 'RUNNING' END
                WHEN x.status = 'SUCCESS' THEN 'SUCCESS'
                WHEN x.status = 'FAILED' THEN CASE WHEN c % 10 = 3 THEN 'FAILED' ELSE 'SUCCESS' END
                WHEN x.status = 'PENDING' THEN 'PENDING'
                WHEN c < x.n * 0.4 THEN 'SUCCESS'
                WHEN x.status = 'RUNNING' THEN CASE WHEN c < x.n * 0.45 THEN 'RUNNING' ELSE 'PENDING' END
                WHEN x.status = 'CANCELED' THEN 'CANCELED'
                WHEN x.status = 'TIMED_OUT' THEN CASE WHEN c < x.n * 0.45 THEN 'TIMED_OUT' ELSE 'CANCELED' END
                WHEN x.status = 'WAITING' THEN CASE WHEN c < x.n * 0.45 THEN 'WAITING' ELSE 'PENDING' END
                ELSE 'PAUSED' END AS st
    FROM executions x, generate_series(0, x.n - 1) c
) t
ORDER BY e, c;

ALTER TABLE task_states
    ADD CONSTRAINT fk_workflow    FOREIGN KEY (workflow_exec_id) REFERENCES workflow_states (workflow_exec_id) ON DELETE CASCADE,
    ADD CONSTRAINT fk_parent_task FOREIGN KEY (parent_state_id)  REFERENCES task_states (task_exec_id) ON DELETE CASCADE,
    ADD CONSTRAINT chk_execution_type_consistency CHECK (
        (execution_type = 'basic' AND (
            (agent_id IS NOT NULL AND action_id IS NOT NULL AND tool_id IS NULL) OR
            (tool_id IS NOT NULL AND agent_id IS NULL AND action_id IS NULL) OR
            (agent_id IS NULL AND action_id IS NULL AND tool_id IS NULL)
        )) OR
        (execution_type = 'router' AND agent_id IS NULL AND action_id IS NULL AND tool_id IS NULL) OR
        (execution_type IN ('parallel', 'collection', 'composite')) OR
        (execution_type NOT IN ('parallel', 'collection', 'composite', 'basic', 'router'))
    );
