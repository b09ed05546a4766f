"""python manage.py load_demo [--if-empty] — load the demo company and print its accounts."""

import time
import unicodedata

from django.core.management.base import BaseCommand

from xiuhao.core.registry import registry
from xiuhao.org import demo
from xiuhao.org.models import User


def load_all():
    """Load every app's demo step (`registry.demo_step` in its demo module), each after those it
    builds on; returns {what: count} of what was created."""
    created = {}
    for step in registry.demo_order():
        for what, n in step.load().created.items():
            created[what] = created.get(what, 0) + n
    return created


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Load the demo data set (company, branches, roles, employees, outlets, dictionaries). 加载演示数据。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Load only when the database has no user yet (used by `make run`). 仅在没有用户时加载。",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Users exist already: demo data not loaded. 已有用户，跳过演示数据。")
        else:
            started = time.monotonic()
            created = load_all()
            seconds = time.monotonic() - started
            if created:
                made = ", ".join(f"{n} {what}" for what, n in created.items())
                self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {seconds:.1f} s 演示数据已加载: {made}"))
            else:
                self.stdout.write("Demo data is complete, nothing to add. 演示数据已存在，无需加载。")
        self.print_accounts()

    def print_accounts(self):
        rows = demo.accounts()
        if not rows:
            return
        header = ("username 用户名", "role 角色", "name 姓名", "branch/outlet 机构", "password 密码")
        table = [header] + [r[:5] for r in rows]
        widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write("Demo accounts 演示账号:")
        for i, row in enumerate(table):
            self.stdout.write("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("Every other demo employee (e.g. zhoujun, hetao, wangrong) has the same password. "
                          "其他演示员工使用相同密码。")
