"""API tokens that expire and can be revoked; leases get an unguessable token (the API shows it, not the id).

Existing leases (minutes-long holds) each get their own token before the column becomes unique.
"""

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import feedback.models


def fill_lease_tokens(apps, schema_editor):
    Lease = apps.get_model("feedback", "Lease")
    for lease in Lease.objects.filter(token__isnull=True).only("id"):
        Lease.objects.filter(id=lease.id).update(token=secrets.token_urlsafe(18))


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0008_client_setting_ranges'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="lease", name="token", field=models.CharField(max_length=32, null=True)),
        migrations.RunPython(fill_lease_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="lease",
            name="token",
            field=models.CharField(default=feedback.models.lease_token, editable=False, max_length=32, unique=True),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('prefix', models.CharField(max_length=8)),
                ('session_hash', models.CharField(max_length=128)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_reason', models.CharField(blank=True, choices=[('logout', 'logged out'), ('password_changed', 'the password changed'), ('replaced', 'replaced by newer tokens'), ('admin', 'revoked by an admin')], max_length=32)),
                ('ip', models.GenericIPAddressField(blank=True, help_text='Where the login that issued it came from.', null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'expires_at'], name='api_token_user_expiry')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='api_token_expires_after_issue'), models.CheckConstraint(condition=models.Q(models.Q(('revoked_at__isnull', True), ('revoked_reason', '')), models.Q(('revoked_at__isnull', False), ('revoked_reason__in', ['logout', 'password_changed', 'replaced', 'admin'])), _connector='OR'), name='api_token_revoked_with_reason')],
            },
        ),
    ]
