-- plan_transition: the lifecycle, the date columns and the plan_event history.
\set VERBOSITY terse
\getenv regress_helpers RISKMAP_REGRESS_HELPERS
\i :regress_helpers

BEGIN;
SET search_path = riskmap, public;
INSERT INTO district (code, name) VALUES ('500101', 'A区');
INSERT INTO plan (id, code, title, plan_type, owner_district) VALUES (1, 'L1', '生命周期', 'special', '500101');
SELECT status FROM plan WHERE id = 1;

SELECT from_status, to_status, on_date, note FROM plan_transition(1, 'reviewing', '2026-01-05', '提交评审');
SELECT from_status, to_status, on_date FROM plan_transition(1, 'approved', '2026-01-20');
SELECT from_status, to_status, on_date FROM plan_transition(1, 'published', '2026-02-01');
SELECT from_status, to_status FROM plan_transition(1, 'filed', '2026-02-20', '已备案');
SELECT status, approved_on, published_on, filed_on, revised_on FROM plan WHERE id = 1;
-- Revision: filed -> revising -> reviewing -> approved -> published again.
SELECT to_status FROM plan_transition(1, 'revising', '2027-03-01');
SELECT to_status FROM plan_transition(1, 'reviewing', '2027-03-10');
SELECT to_status FROM plan_transition(1, 'approved', '2027-03-20');
SELECT to_status FROM plan_transition(1, 'published', '2027-04-01');
-- revised_on is when the revision began; the republished version must be filed anew.
SELECT status, approved_on, published_on, filed_on, revised_on FROM plan WHERE id = 1;
SELECT to_status FROM plan_transition(1, 'retired', '2028-01-01', '被新预案取代');

-- Illegal moves name both states; unknown states and plans are 22023.
SELECT pg_temp.err($$SELECT riskmap.plan_transition(1, 'published')$$);
INSERT INTO plan (id, code, title, plan_type, owner_district) VALUES (2, 'L2', '草案', 'special', '500101');
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, 'published')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, 'filed')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, 'drafting')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, 'burnt')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(999, 'reviewing')$$);
SELECT pg_temp.err($$SELECT riskmap.plan_transition(2, NULL)$$);
-- A direct UPDATE obeys the same lifecycle and is recorded too.
SELECT pg_temp.err($$UPDATE riskmap.plan SET status = 'approved' WHERE id = 2$$);
UPDATE plan SET status = 'reviewing' WHERE id = 2;
SELECT status FROM plan WHERE id = 2;

-- The whole history, oldest first; creation rows and direct updates are dated today.
SELECT plan_id, from_status, to_status,
       CASE WHEN from_status IS NULL OR plan_id = 2 THEN NULL ELSE on_date END AS on_date,
       CASE WHEN from_status IS NULL OR plan_id = 2 THEN on_date = current_date END AS today,
       note, actor = session_user AS by_me
FROM plan_event ORDER BY plan_id, id;
ROLLBACK;
