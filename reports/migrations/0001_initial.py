"""Report exports, moved from the metrics app: the table already exists (db_table keeps its
name), so only the state is created; the content type follows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ['reportexport']


def move_content_types(apps, schema_editor):
    """Keep the content types (and so the permissions granted on them) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="metrics", model__in=MODELS).update(app_label="reports")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="reports", model__in=MODELS).update(app_label="metrics")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("metrics", "0007_move_staff_and_reports_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ReportExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('compare_year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='comparison year')),
                        ('format', models.CharField(choices=[('pdf', 'PDF'), ('xlsx', 'Excel'), ('csv', 'CSV')], max_length=8, verbose_name='format')),
                        ('audience', models.CharField(choices=[('board', 'Board staff (with per-school rows)'), ('official', 'Officials (aggregates only)')], help_text="What the file may contain: officials' reports have no per-school rows.", max_length=16, verbose_name='audience')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=16, verbose_name='status')),
                        ('stage', models.CharField(blank=True, max_length=32, verbose_name='stage')),
                        ('percent', models.PositiveSmallIntegerField(default=0, verbose_name='percent done')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('file', models.FileField(blank=True, upload_to='exports/', verbose_name='file')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('heartbeat_at', models.DateTimeField(blank=True, help_text='Updated at every step of the build.', null=True, verbose_name='last sign of life')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='report_exports', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'verbose_name': 'report export',
                        'verbose_name_plural': 'report exports',
                        'db_table': 'metrics_reportexport',
                        'ordering': ['-requested_at', '-pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('percent__lte', 100)), name='report_export_percent_valid')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
