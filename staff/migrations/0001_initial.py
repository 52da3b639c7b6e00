"""The per-staff models, moved from the metrics app: their tables already exist (db_table keeps
the old names), so only the state is created; content types follow."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ['staffmonth', 'staffhoursimport', 'physicianinterview', 'historicalphysicianinterview']


def move_content_types(apps, schema_editor):
    """Keep the content types (and so the permissions granted on them) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="metrics", model__in=MODELS).update(app_label="staff")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="staff", model__in=MODELS).update(app_label="metrics")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('metrics', '0007_move_staff_and_reports_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalPhysicianInterview',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('month', models.PositiveSmallIntegerField(verbose_name='month')),
                        ('staff_code', models.CharField(max_length=32, verbose_name='staff id')),
                        ('overtime_hours', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='overtime hours')),
                        ('notified_on', models.DateField(blank=True, help_text='The staff member was told of their hours.', null=True, verbose_name='notified on')),
                        ('requested_on', models.DateField(blank=True, help_text='The staff member asked for one.', null=True, verbose_name='interview requested on')),
                        ('interview_on', models.DateField(blank=True, null=True, verbose_name='interview date')),
                        ('follow_up', models.TextField(blank=True, help_text="The physician's opinion and the measures taken.", verbose_name='follow-up')),
                        ('created_at', models.DateTimeField(blank=True, editable=False)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='metrics.school', verbose_name='school')),
                        ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical physician interview',
                        'verbose_name_plural': 'historical physician interviews',
                        'db_table': 'metrics_historicalphysicianinterview',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='StaffHoursImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('imported_at', models.DateTimeField(auto_now_add=True, verbose_name='imported at')),
                        ('source_name', models.CharField(blank=True, max_length=200, verbose_name='file')),
                        ('rows', models.PositiveIntegerField(verbose_name='rows')),
                        ('created', models.PositiveIntegerField(verbose_name='created')),
                        ('updated', models.PositiveIntegerField(verbose_name='changed')),
                        ('removed', models.PositiveIntegerField(verbose_name='removed')),
                        ('filled_months', models.PositiveIntegerField(verbose_name='school-months filled')),
                        ('mismatched_months', models.PositiveIntegerField(verbose_name='school-months that differ')),
                        ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'staff hours import',
                        'verbose_name_plural': 'staff hours imports',
                        'db_table': 'metrics_staffhoursimport',
                        'ordering': ['-imported_at'],
                    },
                ),
                migrations.CreateModel(
                    name='PhysicianInterview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('month', models.PositiveSmallIntegerField(verbose_name='month')),
                        ('staff_code', models.CharField(max_length=32, verbose_name='staff id')),
                        ('overtime_hours', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='overtime hours')),
                        ('notified_on', models.DateField(blank=True, help_text='The staff member was told of their hours.', null=True, verbose_name='notified on')),
                        ('requested_on', models.DateField(blank=True, help_text='The staff member asked for one.', null=True, verbose_name='interview requested on')),
                        ('interview_on', models.DateField(blank=True, null=True, verbose_name='interview date')),
                        ('follow_up', models.TextField(blank=True, help_text="The physician's opinion and the measures taken.", verbose_name='follow-up')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='physician_interviews', to='metrics.school', verbose_name='school')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'physician interview',
                        'verbose_name_plural': 'physician interviews',
                        'db_table': 'metrics_physicianinterview',
                        'ordering': ['-fiscal_year', 'school', 'staff_code'],
                        'constraints': [models.UniqueConstraint(fields=('fiscal_year', 'month', 'staff_code'), name='physician_interview_one_per_staff_month')],
                    },
                ),
                migrations.CreateModel(
                    name='StaffMonth',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('month', models.PositiveSmallIntegerField(verbose_name='month')),
                        ('staff_code', models.CharField(help_text="The IC-card system's pseudonymous id, never a name.", max_length=32, verbose_name='staff id')),
                        ('overtime_hours', models.DecimalField(decimal_places=2, help_text='Time at school beyond duty hours this month, weekends included (時間外在校等時間).', max_digits=5, verbose_name='overtime hours')),
                        ('weekday_overtime_hours', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='weekday overtime hours')),
                        ('leave_days', models.DecimalField(decimal_places=2, max_digits=4, verbose_name='leave days taken')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff_months', to='metrics.school', verbose_name='school')),
                    ],
                    options={
                        'verbose_name': 'staff month',
                        'verbose_name_plural': 'staff months',
                        'db_table': 'metrics_staffmonth',
                        'ordering': ['school', 'fiscal_year', 'month', 'staff_code'],
                        'indexes': [models.Index(fields=['school', 'fiscal_year', 'month'], name='staff_month_school_month'), models.Index(fields=['fiscal_year', 'staff_code', 'month'], name='staff_month_staff_year')],
                        'constraints': [models.UniqueConstraint(fields=('fiscal_year', 'month', 'staff_code'), name='staff_month_one_per_staff_month'), models.CheckConstraint(condition=models.Q(('month__gte', 1), ('month__lte', 12)), name='staff_month_month_valid'), models.CheckConstraint(condition=models.Q(('leave_days__gte', 0), ('overtime_hours__gte', 0), ('weekday_overtime_hours__gte', 0)), name='staff_month_nonnegative'), models.CheckConstraint(condition=models.Q(('weekday_overtime_hours__lte', models.F('overtime_hours'))), name='staff_month_weekday_within_overtime')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
