// @generated-compatible: matches `diesel print-schema` for migrations/.

diesel::table! {
    jurisdictions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        path -> Text,
    }
}

diesel::table! {
    units (id) {
        id -> Uuid,
        jurisdiction_code -> Text,
        kind -> Text,
        name -> Text,
        active -> Bool,
    }
}

diesel::table! {
    accounts (id) {
        id -> Uuid,
        username -> Text,
        password_hash -> Text,
        display_name -> Text,
        roles -> Array<Text>,
        unit_id -> Nullable<Uuid>,
        jurisdiction_code -> Nullable<Text>,
        token_version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        active -> Bool,
        must_change_password -> Bool,
    }
}

diesel::table! {
    admin_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_account_id -> Nullable<Uuid>,
        actor_name -> Text,
        action -> Text,
        subject_kind -> Text,
        subject_id -> Uuid,
        jurisdiction_code -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        chain_position -> Int4,
        prev_digest -> Nullable<Text>,
        digest -> Text,
        written_in -> Int8,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        account_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        token_version -> Int4,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reception_sessions (id) {
        id -> Uuid,
        jurisdiction_code -> Text,
        leader_account_id -> Uuid,
        leader_title -> Text,
        kind -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        place -> Text,
        capacity -> Int4,
        booked -> Int4,
        status -> Text,
        cancellation_reason -> Nullable<Text>,
        scheduled_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reception_bookings (id) {
        id -> Uuid,
        session_id -> Uuid,
        petitioner_account_id -> Uuid,
        matter -> Text,
        case_id -> Nullable<Uuid>,
        status -> Text,
        booked_at -> Timestamptz,
        cancelled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reception_visits (id) {
        id -> Uuid,
        session_id -> Uuid,
        case_id -> Uuid,
        jurisdiction_code -> Text,
        new_petition -> Bool,
        leader_took_charge -> Bool,
        persons -> Int4,
        recorded_by -> Uuid,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Uuid,
        case_id -> Uuid,
        jurisdiction_code -> Text,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Uuid,
        uploader_role -> Text,
        uploaded_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_by -> Nullable<Uuid>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    cases (id) {
        id -> Uuid,
        reference -> Text,
        query_code_hash -> Bytea,
        jurisdiction_code -> Text,
        township_code -> Nullable<Text>,
        status -> Text,
        channel -> Text,
        category -> Nullable<Text>,
        title -> Text,
        content -> Text,
        petitioner_name -> Text,
        petitioner_phone -> Nullable<Text>,
        petitioner_id_number -> Nullable<Text>,
        petitioner_account_id -> Nullable<Uuid>,
        is_anonymous -> Bool,
        group_size -> Int4,
        is_backlog -> Bool,
        current_unit_id -> Nullable<Uuid>,
        case_lead_account_id -> Nullable<Uuid>,
        received_at -> Timestamptz,
        handling_days -> Nullable<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        routing -> Nullable<Text>,
        next_due_at -> Nullable<Timestamptz>,
        repeat_of_case_id -> Nullable<Uuid>,
        representatives -> Jsonb,
        outcome -> Nullable<Text>,
        resolution_plan -> Nullable<Jsonb>,
        evaluation -> Nullable<Jsonb>,
        disposition_note -> Nullable<Text>,
        received_level -> Text,
        received_by_code -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (account_id, key) {
        account_id -> Uuid,
        key -> Text,
        operation -> Text,
        case_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reference_counters (jurisdiction_code, year) {
        jurisdiction_code -> Text,
        year -> Int4,
        last_serial -> Int4,
    }
}

diesel::table! {
    escalations (id) {
        id -> Uuid,
        case_id -> Uuid,
        jurisdiction_code -> Text,
        kind -> Text,
        from_jurisdiction -> Text,
        to_jurisdiction -> Text,
        requested_by -> Nullable<Uuid>,
        reason -> Text,
        requested_at -> Timestamptz,
        due_at -> Timestamptz,
        status -> Text,
        decision -> Nullable<Text>,
        opinion -> Nullable<Text>,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        disputed_with -> Nullable<Text>,
    }
}

diesel::table! {
    case_deadlines (case_id, seq) {
        case_id -> Uuid,
        seq -> Int4,
        jurisdiction_code -> Text,
        kind -> Text,
        starts_at -> Timestamptz,
        due_at -> Timestamptz,
        met_at -> Nullable<Timestamptz>,
        waived -> Bool,
    }
}

diesel::table! {
    supervision_notices (id) {
        id -> Uuid,
        jurisdiction_code -> Text,
        target_unit_id -> Uuid,
        issuer_account_id -> Uuid,
        issuer_unit_id -> Uuid,
        notice_type -> Text,
        trigger_reason -> Text,
        requirements -> Text,
        status -> Text,
        issued_at -> Timestamptz,
        response_due_at -> Timestamptz,
        acknowledged_at -> Nullable<Timestamptz>,
        responded_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        adopted -> Nullable<Bool>,
        response -> Nullable<Text>,
        version -> Int4,
    }
}

diesel::table! {
    supervision_notice_cases (notice_id, case_id) {
        notice_id -> Uuid,
        case_id -> Uuid,
        jurisdiction_code -> Text,
    }
}

diesel::table! {
    supervision_notice_events (id) {
        id -> Int8,
        notice_id -> Uuid,
        jurisdiction_code -> Text,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        actor_account_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        occurred_at -> Timestamptz,
        note -> Nullable<Text>,
        payload -> Jsonb,
        chain_position -> Int4,
        prev_digest -> Nullable<Text>,
        digest -> Text,
        written_in -> Int8,
    }
}

diesel::table! {
    case_events (id) {
        id -> Int8,
        case_id -> Uuid,
        jurisdiction_code -> Text,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        actor_account_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        occurred_at -> Timestamptz,
        recorded_at -> Timestamptz,
        note -> Nullable<Text>,
        payload -> Jsonb,
        staff_only -> Bool,
        chain_position -> Int4,
        prev_digest -> Nullable<Text>,
        digest -> Text,
        written_in -> Int8,
    }
}

diesel::joinable!(units -> jurisdictions (jurisdiction_code));
diesel::joinable!(accounts -> units (unit_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(escalations -> cases (case_id));
diesel::joinable!(case_deadlines -> cases (case_id));
diesel::joinable!(supervision_notice_cases -> supervision_notices (notice_id));
diesel::joinable!(supervision_notice_cases -> cases (case_id));
diesel::joinable!(supervision_notice_events -> supervision_notices (notice_id));

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        jurisdiction_code -> Text,
        url -> Text,
        kinds -> Nullable<Array<Text>>,
        secret -> Text,
        status -> Text,
        after_written_in -> Int8,
        after_source -> Int2,
        after_id -> Int8,
        failures -> Int4,
        failing_since -> Nullable<Timestamptz>,
        next_attempt_at -> Timestamptz,
        leased_by -> Nullable<Uuid>,
        lease_until -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        webhook_id -> Uuid,
        message_id -> Text,
        event_kind -> Text,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        succeeded -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    reception_sessions,
    reception_bookings,
    reception_visits,
    jurisdictions,
    units,
    accounts,
    refresh_tokens,
    cases,
    case_events,
    idempotency_keys,
    escalations,
    reference_counters,
    case_deadlines,
    supervision_notices,
    supervision_notice_cases,
    supervision_notice_events,
    admin_events,
    webhooks,
    webhook_deliveries
);

diesel::table! {
    served_environments (environment) {
        environment -> Text,
        first_served_at -> Timestamptz,
    }
}
