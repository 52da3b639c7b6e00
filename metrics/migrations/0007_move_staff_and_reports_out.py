"""Per-staff hours moved to the staff app and report exports to the reports app: the tables stay
(with their names), only Django's idea of which app owns them changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0006_staff_hours'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='physicianinterview',
                    name='school',
                ),
                migrations.RemoveField(
                    model_name='physicianinterview',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='reportexport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='staffhoursimport',
                    name='imported_by',
                ),
                migrations.RemoveField(
                    model_name='staffmonth',
                    name='school',
                ),
                migrations.DeleteModel(
                    name='HistoricalPhysicianInterview',
                ),
                migrations.DeleteModel(
                    name='PhysicianInterview',
                ),
                migrations.DeleteModel(
                    name='ReportExport',
                ),
                migrations.DeleteModel(
                    name='StaffHoursImport',
                ),
                migrations.DeleteModel(
                    name='StaffMonth',
                ),
            ],
        ),
    ]
