"""The default schedule of the background work; an administrator changes it in the admin (周期任务)."""

from django.db import migrations

TIME_ZONE = "Asia/Shanghai"

# name → (task, crontab (minute, hour) or interval in minutes, description)
SCHEDULE = {
    "每日到期提醒": ("reminders.tasks.daily_sweep", ("0", "8"), "项目阶段与走访后续：提前提醒、到期、逾期和上报。"),
    "每小时诉求提醒": ("reminders.tasks.hourly_sweep", ("5", "*"), "企业诉求：到期、逾期、一个工作日内未受理的上报。"),
    "每周推进报告": ("reminders.tasks.weekly_report", ("30", "8"), "每周第一个工作日向订阅的管理人员发送推进报告。"),
    "补发未送达的提醒": ("reminders.tasks.deliver_pending", 10, "送达中断的提醒。"),
    "恢复通知投递": ("notifications.tasks.recover_deliveries", 2, "重新投递中断或待重试的邮件和群机器人消息。"),
    "恢复导出任务": ("exports.tasks.recover_exports", 2, "重新执行中断的 Excel 导出。"),
    "恢复导入任务": ("imports.tasks.recover_imports", 2, "重新执行中断的 Excel 导入。"),
    "清理过期导出文件": ("exports.tasks.delete_old_exports", ("0", "3"), "删除超过保留期的导出文件。"),
}


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, when, description) in SCHEDULE.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if isinstance(when, tuple):
            minute, hour = when
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=TIME_ZONE
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab, description=description)
        else:
            interval, _ = IntervalSchedule.objects.get_or_create(every=when, period="minutes")
            PeriodicTask.objects.create(name=name, task=task, interval=interval, description=description)


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
