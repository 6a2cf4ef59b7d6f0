"""The review models as they stood in feedback (tables feedback_*): state only, no table is touched."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('feedback', '0005_rating_queue_leases_skips_gold'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables already exist (feedback 0004/0005 created them); this only moves the models' state.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CriterionAgreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('week', models.DateField(blank=True, help_text='Monday of the week; null for all time.', null=True)),
                        ('alpha', models.FloatField(blank=True, null=True)),
                        ('alpha_low', models.FloatField(blank=True, null=True)),
                        ('alpha_high', models.FloatField(blank=True, null=True)),
                        ('n_items', models.PositiveIntegerField(default=0)),
                        ('n_ratings', models.PositiveIntegerField(default=0)),
                        ('consensus_method', models.CharField(blank=True, max_length=32)),
                        ('computed_at', models.DateTimeField()),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criterion_agreements', to='feedback.client')),
                        ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agreements', to='feedback.criterion')),
                    ],
                    options={
                        'db_table': 'feedback_criterionagreement',
                        'ordering': ['criterion_id', 'week'],
                        'indexes': [models.Index(fields=['client', 'criterion', 'week'], name='agreement_client_week')],
                        'constraints': [models.UniqueConstraint(fields=('criterion', 'week'), name='agreement_one_per_criterion_week'), models.UniqueConstraint(condition=models.Q(('week__isnull', True)), fields=('criterion',), name='agreement_one_overall_per_criterion')],
                    },
                ),
                migrations.CreateModel(
                    name='Flag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reasons', models.JSONField(default=list)),
                        ('severity', models.FloatField(default=1.0, help_text='1 low, 2 medium, 3 high.')),
                        ('outlier_z', models.FloatField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='open', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('computed_at', models.DateTimeField()),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='feedback.client')),
                        ('creative', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='feedback.creative')),
                        ('criterion', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='feedback.criterion')),
                        ('rater', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('rating', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='feedback.rating')),
                    ],
                    options={
                        'db_table': 'feedback_flag',
                        'ordering': ['-severity', 'id'],
                        'indexes': [models.Index(fields=['client', 'status', 'severity'], name='flag_client_status'), models.Index(fields=['client', 'rater', 'status'], name='flag_client_rater'), models.Index(fields=['client', 'criterion', 'status'], name='flag_client_criterion'), models.Index(fields=['client', 'creative'], name='flag_client_creative')],
                        'constraints': [models.UniqueConstraint(fields=('rating', 'criterion'), name='flag_one_per_rating_criterion'), models.CheckConstraint(condition=models.Q(('status__in', ['open', 'accepted', 'rejected'])), name='flag_status_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='ItemConsensus',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consensus', models.FloatField(blank=True, null=True)),
                        ('uncertainty', models.FloatField(blank=True, null=True)),
                        ('n_ratings', models.PositiveIntegerField(default=0)),
                        ('mean', models.FloatField(blank=True, null=True)),
                        ('majority', models.FloatField(blank=True, null=True)),
                        ('clean_consensus', models.FloatField(blank=True, help_text='Consensus of clean and accepted labels only; null when there are none.', null=True)),
                        ('clean_weight', models.FloatField(default=0.0, help_text='0..1 confidence in clean_consensus, for training.')),
                        ('n_clean', models.PositiveIntegerField(default=0)),
                        ('computed_at', models.DateTimeField()),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='item_consensus', to='feedback.client')),
                        ('creative', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consensus', to='feedback.creative')),
                        ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consensus', to='feedback.criterion')),
                    ],
                    options={
                        'verbose_name_plural': 'item consensus',
                        'db_table': 'feedback_itemconsensus',
                        'indexes': [models.Index(fields=['client', 'criterion'], name='consensus_client_criterion')],
                        'constraints': [models.UniqueConstraint(fields=('creative', 'criterion'), name='consensus_one_per_creative_criterion'), models.CheckConstraint(condition=models.Q(('clean_weight__gte', 0), ('clean_weight__lte', 1)), name='consensus_weight_share')],
                    },
                ),
                migrations.CreateModel(
                    name='QualityRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=16)),
                        ('requested_at', models.DateTimeField(auto_now_add=True)),
                        ('enqueued_at', models.DateTimeField(blank=True, help_text='Last hand-over to the broker.', null=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('rerun_requested', models.BooleanField(default=False)),
                        ('error', models.TextField(blank=True)),
                        ('n_ratings', models.PositiveIntegerField(default=0)),
                        ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quality_runs', to='feedback.client')),
                    ],
                    options={
                        'db_table': 'feedback_qualityrun',
                        'ordering': ['-requested_at', '-id'],
                        'indexes': [models.Index(fields=['status', 'requested_at'], name='quality_run_status_time'), models.Index(fields=['client', '-requested_at'], name='quality_run_client_time')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'running'])), fields=('client',), name='quality_run_one_active_per_client'), models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed'])), name='quality_run_status_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='RaterExclusion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('active', models.BooleanField(default=True)),
                        ('accepted_rating_ids', models.JSONField(blank=True, default=list)),
                        ('excluded_at', models.DateTimeField()),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rater_exclusions', to='feedback.client')),
                        ('rater', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exclusions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'feedback_raterexclusion',
                        'constraints': [models.UniqueConstraint(fields=('client', 'rater'), name='exclusion_one_per_client_rater')],
                    },
                ),
                migrations.CreateModel(
                    name='RaterStats',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reliability', models.FloatField(blank=True, help_text='Agreement with the leave-one-out consensus.', null=True)),
                        ('bias', models.FloatField(blank=True, help_text='Mean offset from consensus (+ lenient).', null=True)),
                        ('mae', models.FloatField(blank=True, null=True)),
                        ('self_consistency', models.FloatField(blank=True, null=True)),
                        ('gold_accuracy', models.FloatField(blank=True, null=True)),
                        ('straight_lining', models.FloatField(blank=True, help_text="Share of labels at the rater's modal value.", null=True)),
                        ('entropy', models.FloatField(blank=True, null=True)),
                        ('speed_ratio', models.FloatField(blank=True, help_text="Median duration over the team's median.", null=True)),
                        ('n_ratings', models.PositiveIntegerField(default=0)),
                        ('n_repeats', models.PositiveIntegerField(default=0)),
                        ('n_gold', models.PositiveIntegerField(default=0)),
                        ('n_flagged', models.PositiveIntegerField(default=0)),
                        ('computed_at', models.DateTimeField()),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rater_stats', to='feedback.client')),
                        ('rater', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rater_stats', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'rater stats',
                        'db_table': 'feedback_raterstats',
                        'constraints': [models.UniqueConstraint(fields=('client', 'rater'), name='rater_stats_one_per_client_rater')],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewDecision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('accept', 'Accept'), ('reject', 'Reject'), ('exclude_rater', 'Exclude Rater'), ('include_rater', 'Include Rater'), ('request_more', 'Request More')], max_length=16)),
                        ('note', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='review_decisions', to=settings.AUTH_USER_MODEL)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_decisions', to='feedback.client')),
                        ('creative', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='feedback.creative')),
                        ('rater', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('rating', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='feedback.rating')),
                    ],
                    options={
                        'db_table': 'feedback_reviewdecision',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['client', 'creative', 'created_at'], name='decision_client_creative'), models.Index(fields=['client', 'created_at'], name='decision_client_time')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('action__in', ['accept', 'reject', 'exclude_rater', 'include_rater', 'request_more'])), name='decision_action_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
