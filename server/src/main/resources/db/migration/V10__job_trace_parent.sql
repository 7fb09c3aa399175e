-- The W3C traceparent of the span that enqueued a job (issue 13, docs/OPERATIONS.md "Tracing"):
-- the job's own span, a new trace, links to it, so a job run can be found from the call that
-- caused it. Null for jobs enqueued outside any trace (cron, untraced callers) and for older rows.
alter table jobs add column trace_parent text;
