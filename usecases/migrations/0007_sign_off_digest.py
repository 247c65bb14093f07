"""Sign-offs bound to their text: a digest of the material fields as signed, kept by the database.

``usecase_material_digest`` is the one definition of that digest (the fields are
``usecases.choices.MATERIAL_FIELDS``; tests change each of them outside the services and expect
the flag). Current sign-offs of use cases not already changed since sign-off take the digest of
the text as it is now, with the signer as owner: that is what their owners last confirmed.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

DIGEST_FUNCTION = """
CREATE OR REPLACE FUNCTION usecase_material_digest(u usecases_usecase) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        u.who, u.problem, u.success_signal, u.metric_name, u.metric_direction,
        u.metric_baseline, u.metric_baseline_date, u.metric_target, u.metric_target_date,
        u.owner_id
    )::text, 'UTF8')), 'hex')
$$;
"""

# The owner in the digest is the signer: while a transfer waits for the new owner, the row already
# names them, but what was signed named the previous owner (who gets it back if the new one
# declines).
BACKFILL = """
DO $$
DECLARE
    signed record;
    row usecases_usecase;
BEGIN
    FOR signed IN
        SELECT s.id, s.owner_id, s.usecase_id FROM usecases_signoff s
        JOIN usecases_usecase u ON u.id = s.usecase_id
        WHERE s.superseded_at IS NULL AND NOT u.changed_since_sign_off
    LOOP
        SELECT * INTO row FROM usecases_usecase WHERE id = signed.usecase_id;
        row.owner_id := signed.owner_id;
        UPDATE usecases_signoff SET material_digest = usecase_material_digest(row)
        WHERE id = signed.id;
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0006_link_sets_dashboard_index"),
    ]

    operations = [
        migrations.RunSQL(
            DIGEST_FUNCTION, "DROP FUNCTION usecase_material_digest(usecases_usecase);"
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="signoff",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="signoff",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="signoff",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="signoff",
            name="material_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="signoffhistory",
            name="material_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        pgtrigger.migrations.AddTrigger(
            model_name="signoff",
            trigger=pgtrigger.compiler.Trigger(
                name="signoff_material_digest",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n                IF NEW.material_digest = '' THEN\n                    SELECT usecase_material_digest(u) INTO NEW.material_digest\n                    FROM usecases_usecase u WHERE u.id = NEW.usecase_id;\n                END IF;\n                RETURN NEW;\n                ",
                    hash="541f23e19564e3f3e19d57c6436f48c0865189a4",
                    operation="INSERT",
                    pgid="pgtrigger_signoff_material_digest_247df",
                    table="usecases_signoff",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signoff",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "usecases_signoffhistory" ("expires_at", "id", "kind", "material_digest", "owner_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reminder_sent_at", "revision_id", "signed_at", "statement", "superseded_at", "superseded_by_id", "usecase_id") VALUES (NEW."expires_at", NEW."id", NEW."kind", NEW."material_digest", NEW."owner_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reminder_sent_at", NEW."revision_id", NEW."signed_at", NEW."statement", NEW."superseded_at", NEW."superseded_by_id", NEW."usecase_id"); RETURN NULL;',
                    hash="c989ac0b3681e919604e5591375f789f6b5e6d66",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_144e1",
                    table="usecases_signoff",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signoff",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "usecases_signoffhistory" ("expires_at", "id", "kind", "material_digest", "owner_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reminder_sent_at", "revision_id", "signed_at", "statement", "superseded_at", "superseded_by_id", "usecase_id") VALUES (NEW."expires_at", NEW."id", NEW."kind", NEW."material_digest", NEW."owner_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reminder_sent_at", NEW."revision_id", NEW."signed_at", NEW."statement", NEW."superseded_at", NEW."superseded_by_id", NEW."usecase_id"); RETURN NULL;',
                    hash="5c3693b536beeb269aa6e4f8f70ca29077748b3b",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_3caf5",
                    table="usecases_signoff",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signoff",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "usecases_signoffhistory" ("expires_at", "id", "kind", "material_digest", "owner_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reminder_sent_at", "revision_id", "signed_at", "statement", "superseded_at", "superseded_by_id", "usecase_id") VALUES (OLD."expires_at", OLD."id", OLD."kind", OLD."material_digest", OLD."owner_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."reminder_sent_at", OLD."revision_id", OLD."signed_at", OLD."statement", OLD."superseded_at", OLD."superseded_by_id", OLD."usecase_id"); RETURN NULL;',
                    hash="cde00cdc60e4435512e756a21a76e74265ca3b9f",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_087ac",
                    table="usecases_signoff",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="usecase",
            trigger=pgtrigger.compiler.Trigger(
                name="usecase_material_change",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."business_intent" IS DISTINCT FROM (NEW."business_intent") OR OLD."business_value" IS DISTINCT FROM (NEW."business_value") OR OLD."effort" IS DISTINCT FROM (NEW."effort") OR OLD."evidence_area" IS DISTINCT FROM (NEW."evidence_area") OR OLD."metric_baseline" IS DISTINCT FROM (NEW."metric_baseline") OR OLD."metric_baseline_date" IS DISTINCT FROM (NEW."metric_baseline_date") OR OLD."metric_direction" IS DISTINCT FROM (NEW."metric_direction") OR OLD."metric_name" IS DISTINCT FROM (NEW."metric_name") OR OLD."metric_target" IS DISTINCT FROM (NEW."metric_target") OR OLD."metric_target_date" IS DISTINCT FROM (NEW."metric_target_date") OR OLD."metric_unit" IS DISTINCT FROM (NEW."metric_unit") OR OLD."owner_id" IS DISTINCT FROM (NEW."owner_id") OR OLD."people_change" IS DISTINCT FROM (NEW."people_change") OR OLD."problem" IS DISTINCT FROM (NEW."problem") OR OLD."process_change" IS DISTINCT FROM (NEW."process_change") OR OLD."success_signal" IS DISTINCT FROM (NEW."success_signal") OR OLD."team_id" IS DISTINCT FROM (NEW."team_id") OR OLD."technology_change" IS DISTINCT FROM (NEW."technology_change") OR OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."who" IS DISTINCT FROM (NEW."who"))',
                    func="\n                IF NEW.version = OLD.version THEN\n                    NEW.version := OLD.version + 1;\n                END IF;\n                IF NEW.status = 'active' AND NOT NEW.changed_since_sign_off AND EXISTS (\n                    SELECT 1 FROM usecases_signoff\n                    WHERE usecase_id = NEW.id AND superseded_at IS NULL\n                      AND material_digest <> '' AND material_digest <> usecase_material_digest(NEW)\n                ) THEN\n                    NEW.changed_since_sign_off := true;\n                END IF;\n                RETURN NEW;\n                ",
                    hash="923b85e68a7a131e8427ce8404b0ed33f1686c59",
                    operation="UPDATE",
                    pgid="pgtrigger_usecase_material_change_cbf10",
                    table="usecases_usecase",
                    when="BEFORE",
                ),
            ),
        ),
    ]
