"""Identity documents recorded before they carried the programme they were
added for: those of returnees (principals and household members of a case)
are reintegration documents. The rest stay without a programme: only the
data protection officer sees them until staff record them again (the
scholarship side never needed them; when in doubt, show less)."""

from django.db import migrations
from django.db.models import Q


def attribute(apps, schema_editor):
    IdentityDocument = apps.get_model("registry", "IdentityDocument")
    Case = apps.get_model("reintegration", "Case")
    CaseMember = apps.get_model("reintegration", "CaseMember")
    IdentityDocument.objects.filter(side="").filter(
        Q(person_id__in=Case.objects.values("principal_id"))
        | Q(person_id__in=CaseMember.objects.values("person_id"))
    ).update(side="reintegration")


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0007_team_and_desk_history")]
    operations = [migrations.RunPython(attribute, migrations.RunPython.noop)]
