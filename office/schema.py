"""The backend's tables, as SQLAlchemy Core objects for queries.

The migrations in ``office/migrations`` create them; a test checks that the two
agree. ``cursor`` columns are the backend's own sequence: they order the pull feeds, and
inserts that assign them are serialized (:mod:`office.store`), so a cursor never
becomes visible after a larger one.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: A 64-bit autoincrementing key that SQLite treats as its rowid.
Cursor = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("id", Cursor, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(40), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    # Back-office tokens: what they may do, space-separated (office.store.credentials.Scope);
    # NULL for kiosks, and for back-office tokens made before scopes (they keep every scope).
    sa.Column("scopes", sa.String(200), nullable=True),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("cursor", Cursor, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(), nullable=False, unique=True),
    sa.Column("kiosk_id", sa.String(40), nullable=False),
    sa.Column("kiosk_seq", sa.BigInteger(), nullable=False),
    sa.Column("receipt_code", sa.String(8), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    # Copied from the body (and the kiosk's unit when it was stored) for the back office's
    # filters; NULL unit: the kiosk had no unit then (city administrators still see it).
    sa.Column("kind", sa.String(24), nullable=True),
    sa.Column("procedure_code", sa.String(16), nullable=True),
    sa.Column("unit_code", sa.Integer(), nullable=True),
    # The keyed hash of the sealed identity's ID number (office/card_key.py); NULL when
    # the submission kept no identity. Any kiosk may ask by it (the card present).
    sa.Column("card_hash", sa.String(64), nullable=True),
    # Any kiosk may ask what the office knows of a receipt code.
    sa.Index("submissions_receipt_code", "receipt_code"),
    sa.Index("submissions_unit", "unit_code", "cursor"),
    sa.Index("submissions_card_hash", "card_hash", "cursor"),
    # The kiosks' ratings by when they arrived, for the satisfaction figures (a small
    # share of the rows: only they pay for it on insert).
    sa.Index("submissions_ratings", "received_at", sqlite_where=sa.text("kind = 'rating'"),
             postgresql_where=sa.text("kind = 'rating'")),
)

conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("id", Cursor, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(), nullable=False),
    sa.Column("kiosk_id", sa.String(40), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("uuid", "body_sha256", name="conflicts_uuid_body"),
)

status_events = sa.Table(
    "status_events",
    metadata,
    sa.Column("cursor", Cursor, primary_key=True, autoincrement=True),
    sa.Column("submission_uuid", sa.Uuid(), sa.ForeignKey("submissions.uuid"), nullable=False),
    sa.Column("kiosk_id", sa.String(40), nullable=False),
    sa.Column("receipt_code", sa.String(8), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("client_id", sa.String(40), nullable=False),
    sa.Index("status_events_kiosk", "kiosk_id", "cursor"),
    # The latest event of one submission (the look-up by receipt code).
    sa.Index("status_events_submission", "submission_uuid", "cursor"),
)

publications = sa.Table(
    "publications",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("etag", sa.String(80), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("client_id", sa.String(40), nullable=False),
)

heartbeats = sa.Table(
    "heartbeats",
    metadata,
    sa.Column("kiosk_id", sa.String(40), primary_key=True),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    # The heartbeat before the latest (NULL until the second): the fleet page compares the
    # two to tell a growing outbox backlog from a steady one.
    sa.Column("previous_received_at", sa.String(40), nullable=True),
    sa.Column("previous_body", sa.Text(), nullable=True),
)

#: The queue each service point last published: one row per unit, replaced by a later one.
#: ``published_at`` is the back office's clock in UTC, in one fixed format
#: (``2026-11-27T01:00:00.000000+00:00``), so comparing the text compares the times.
queue_states = sa.Table(
    "queue_states",
    metadata,
    sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("client_id", sa.String(40), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
)

#: Which commune or ward each kiosk serves (``kiosk backend add-kiosk --unit``): the unit
#: stamped on its submissions, which decides which commune officers see them.
kiosk_units = sa.Table(
    "kiosk_units",
    metadata,
    sa.Column("kiosk_id", sa.String(40), primary_key=True),
    sa.Column("unit_code", sa.Integer(), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

#: People who sign in to the back office (office.store.users). ``session_epoch`` grows at
#: each sign-out, lock or role change: a signed session cookie of an older epoch is dead.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", Cursor, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(60), nullable=False, unique=True),
    sa.Column("role", sa.String(24), nullable=False),
    sa.Column("unit_code", sa.Integer(), nullable=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
    sa.Column("locked_until", sa.String(40), nullable=True),
    sa.Column("session_epoch", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("disabled_at", sa.String(40), nullable=True),
)

#: The back office's handling of a feedback or an application intake (office.store.cases):
#: one row once someone acted on it. ``state`` is a FeedbackState value for feedback and
#: an ApplicationStatus value for an intake.
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("submission_uuid", sa.Uuid(), sa.ForeignKey("submissions.uuid"),
              primary_key=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("assignee", sa.String(60), nullable=True),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("due_date", sa.String(10), nullable=True),
    sa.Column("answer", sa.Text(), nullable=True),
    sa.Column("answered_at", sa.String(40), nullable=True),
    sa.Column("answered_by", sa.String(60), nullable=True),
    # The official dossier code (mã hồ sơ) of the city's case system, for an intake.
    sa.Column("dossier_code", sa.String(60), nullable=True, unique=True),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("updated_by", sa.String(60), nullable=False),
)

#: Every view or export of personal data, and sign-in failures and lock-outs
#: (office.store.audit): readable by auditors only.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", Cursor, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(60), nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("submission_uuids", sa.Text(), nullable=False),
    sa.Column("detail", sa.String(300), nullable=False),
)

#: Service points' queue events, delivered by their hubs exactly once (office/queue_events.py).
queue_events = sa.Table(
    "queue_events",
    metadata,
    sa.Column("cursor", Cursor, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.Uuid(), nullable=False, unique=True),
    sa.Column("hub_id", sa.String(40), nullable=False),
    sa.Column("unit_code", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("service", sa.String(1), nullable=False),
    sa.Column("counter", sa.Integer(), nullable=True),
    sa.Column("officer", sa.String(40), nullable=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    # Copied from the body for the satisfaction figures (office/store/satisfaction.py),
    # which the database aggregates: the ticket's service day, the ticket, the rating of
    # a ``rate`` event, and ``at`` in microseconds since 1970 UTC (waits to the microsecond).
    sa.Column("service_day", sa.String(10), nullable=False),
    sa.Column("ticket_uuid", sa.Uuid(), nullable=False),
    sa.Column("rating", sa.String(16), nullable=True),
    sa.Column("at_us", sa.BigInteger(), nullable=False),
    # Each holds every column its satisfaction statement reads (the migration says why)
    sa.Index("queue_events_issues", "service_day", "unit_code", "received_at", "ticket_uuid",
             "service", "at_us", "action", sqlite_where=sa.text("action = 'issue'"),
             postgresql_where=sa.text("action = 'issue'")),
    sa.Index("queue_events_rates", "service_day", "unit_code", "received_at", "rating",
             "service", "counter", "officer", "action", sqlite_where=sa.text("action = 'rate'"),
             postgresql_where=sa.text("action = 'rate'")),
    sa.Index("queue_events_ticket", "ticket_uuid", "action", "cursor", "received_at",
             "unit_code", "counter", "officer", "at_us"),
)

#: Each hub's latest public queue state, for its tickets' phone pages (office/ticket_pages.py):
#: one row per hub (the services' loads as JSON), replaced by each publication.
ticket_page_hubs = sa.Table(
    "ticket_page_hubs",
    metadata,
    sa.Column("hub_id", sa.String(40), primary_key=True),
    sa.Column("unit_code", sa.Integer(), nullable=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("service_day", sa.String(10), nullable=False),
    sa.Column("services", sa.Text(), nullable=False),
)

#: The tickets of those states, by their page token (the only way to find one).
ticket_pages = sa.Table(
    "ticket_pages",
    metadata,
    sa.Column("token", sa.String(20), primary_key=True),
    sa.Column("hub_id", sa.String(40), nullable=False, index=True),
    sa.Column("number", sa.String(16), nullable=False),
    sa.Column("service", sa.String(1), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("people_ahead", sa.Integer(), nullable=False),
    sa.Column("counter", sa.Integer(), nullable=True),
)

#: Each service point's counters and officers as the back office published them, for its
#: hub to pull (office/service_points.py); ``version`` grows with each publication.
service_point_setups = sa.Table(
    "service_point_setups",
    metadata,
    sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("client_id", sa.String(40), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
)

#: Requests per client per rate-limit window, one row per worker process
#: (office/shared_ratelimit.py): the workers add each other's up. UNLOGGED on PostgreSQL.
rate_counts = sa.Table(
    "rate_counts",
    metadata,
    sa.Column("window", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("client_id", sa.String(80), primary_key=True),
    sa.Column("worker", sa.String(32), primary_key=True),
    sa.Column("hits", sa.Integer(), nullable=False),
)

#: Requests per client per window of a strict limit (office/strict_ratelimit.py): one row
#: all workers add to at once, so the limit is exact across them. UNLOGGED on PostgreSQL.
strict_rate_counts = sa.Table(
    "strict_rate_counts",
    metadata,
    sa.Column("limiter", sa.String(32), primary_key=True),
    sa.Column("window", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("client_id", sa.String(80), primary_key=True),
    sa.Column("hits", sa.Integer(), nullable=False),
)

#: Units the operator loaded (``kiosk backend load-units``): the directory and the queues
#: accept these besides Hà Nội's 126 that the kiosks ship with (office/data/ has the 3,321).
served_units = sa.Table(
    "served_units",
    metadata,
    sa.Column("unit_code", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("province_code", sa.String(2), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("loaded_at", sa.String(40), nullable=False),
)

#: The release each channel serves (``kiosk backend publish-release``; docs/updates.md): the
#: signed manifest, its signature and which artifact (its bytes are in ``release_chunks``,
#: by SHA-256). One row per channel: publishing replaces it, and pointing a channel back at
#: an older release is a roll-back for its kiosks.
release_channels = sa.Table(
    "release_channels",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("version", sa.String(24), nullable=False),
    sa.Column("manifest", sa.LargeBinary(), nullable=False),
    sa.Column("signature", sa.String(100), nullable=False),
    sa.Column("artifact_name", sa.String(200), nullable=False),
    sa.Column("artifact_sha256", sa.String(64), nullable=False),
    sa.Column("artifact_size", sa.BigInteger(), nullable=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("published_by", sa.String(80), nullable=False),
)

#: Release artifacts in 1 MiB pieces, addressed by the artifact's SHA-256 (office/store/
#: releases.py): a download reads one piece at a time, so a 135 MB bundle never sits whole
#: in a server worker's memory, and a Range request starts at the piece it needs. In the
#: database rather than in files so that every worker on every host sees the same bytes and
#: a publication is one transaction (office/store/releases.py says more).
release_chunks = sa.Table(
    "release_chunks",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
)
