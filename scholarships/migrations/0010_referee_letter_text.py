from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("scholarships", "0009_call_setup_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="referee",
            name="letter_text",
            field=models.TextField(blank=True, verbose_name="letter, typed"),
        ),
    ]
