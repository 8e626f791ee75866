-- The contributor tables of the platform, as the erasure pipeline's default mapping expects them.
CREATE TABLE IF NOT EXISTS kepler_crowd_contributors_t (
    id               bigint PRIMARY KEY,
    email            text        NOT NULL,
    first_name       text,
    last_name        text,
    status           text        NOT NULL,
    last_activity_at timestamptz,
    created_at       timestamptz NOT NULL,
    erased_at        timestamptz
);
CREATE INDEX IF NOT EXISTS kepler_crowd_contributors_status_activity_idx
    ON kepler_crowd_contributors_t (status, last_activity_at);

CREATE TABLE IF NOT EXISTS kepler_crowd_contributor_job_mapping_t (
    id             bigserial PRIMARY KEY,
    contributor_id bigint      NOT NULL REFERENCES kepler_crowd_contributors_t (id),
    job_id         bigint      NOT NULL,
    assigned_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS kepler_crowd_contributor_job_mapping_contributor_idx
    ON kepler_crowd_contributor_job_mapping_t (contributor_id);

CREATE TABLE IF NOT EXISTS kepler_crowd_contributors_project_stats_t (
    contributor_id  bigint  NOT NULL REFERENCES kepler_crowd_contributors_t (id),
    project_id      bigint  NOT NULL,
    judgments_count integer NOT NULL,
    accuracy        numeric(5, 4),
    PRIMARY KEY (contributor_id, project_id)
);
