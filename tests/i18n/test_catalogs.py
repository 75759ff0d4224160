"""The English catalog (locale/en/LC_MESSAGES) is complete, compiled and used.

Chinese is both the default language and the source language: every msgid is Chinese and English is the
translation. When a test here fails after you add or change a string, update the catalog:

    DEBUG=1 .venv/bin/python manage.py makemessages -l en --no-obsolete \
        --ignore=.venv --ignore=var --ignore=tests --ignore=node_modules
    # translate the new or changed entries in locale/en/LC_MESSAGES/django.po (empty msgstr or "#, fuzzy")
    DEBUG=1 .venv/bin/python manage.py compilemessages -l en --ignore=.venv

and commit both django.po and django.mo (a fresh machine has no gettext tools to compile them).

Only the standard library is used to read the catalogs: a small .po parser below and gettext.GNUTranslations
for the .mo. Source strings are found with the `ast` module rather than a regular expression, so both quote
styles, triple quotes, escapes and implicit concatenation ("a" "b") are handled exactly as Python (and
xgettext) read them.
"""

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[2]
PO_PATH = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# %(name)s, %(count)d, %s, %d (with optional flags/width/precision) and str.format fields {name} / {}.
PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifeEgGrxXoc]|%[-#0 +]*\d*(?:\.\d+)?[sdifeEgGrxXoc]|\{[^{}]*\}"
)


# --- A small .po reader --------------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def key(self) -> str:
        """The key gettext uses in a .mo: "context\\x04msgid", or the msgid alone."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def where(self) -> str:
        return f"{PO_PATH.relative_to(BASE_DIR)}:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return ast.literal_eval(text)  # PO strings use C escapes (\" \\ \n \t), which Python reads the same way


def parse_po(path: Path) -> list[Entry]:
    """Active entries of a .po file (obsolete "#~" entries are skipped; the header entry is included)."""
    entries: list[Entry] = []
    entry, target = Entry(), None  # target: the (name, index) that continuation lines extend

    def flush():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":  # a comment starts the next entry
                flush()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        if line.startswith('"'):
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        keyword, _sep, rest = line.partition(" ")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgctxt" or (keyword == "msgid" and target is not None and target[0] == "msgstr"):
            if target is not None and target[0] == "msgstr":
                flush()
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            if target is None:
                entry.line = number
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        elif keyword == "msgstr":
            entry.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif match:
            entry.msgstr[int(match.group(1))] = _unquote(rest)
            target = ("msgstr", int(match.group(1)))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    flush()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages (see this module's docstring)"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """The translatable entries, without the header."""
    return [entry for entry in po_entries if entry.msgid]


# --- Finding the translatable strings in the source ----------------------------------------------------------

# function name -> positions of (context, singular, plural) among the call's arguments
GETTEXT_FUNCTIONS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
SKIPPED_DIRS = {"migrations", "tests", "__pycache__"}


def source_packages() -> list[Path]:
    """Every top-level app (a folder with apps.py) and the project package (settings, urls)."""
    packages = {path.parent for path in BASE_DIR.glob("*/apps.py")}
    packages.add(BASE_DIR / "promotion")
    return sorted(packages)


def source_files() -> list[Path]:
    return [
        path
        for package in source_packages()
        for path in sorted(package.rglob("*.py"))
        if not SKIPPED_DIRS & set(path.relative_to(BASE_DIR).parts)
    ]


@dataclass(frozen=True)
class SourceString:
    path: str
    line: int
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self):
        return f"{self.path}:{self.line} {self.msgid!r}"


def _function_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):  # translation.gettext(...)
        return call.func.attr
    return None


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def scan_source(path: Path, root: Path = BASE_DIR) -> tuple[list[SourceString], list[str]]:
    """(gettext calls with literal Chinese strings, problems such as f-strings that xgettext cannot extract)."""
    relative = str(path.relative_to(root))
    found, problems = [], []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    calls = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
    )
    for node in calls:
        if _function_name(node) not in GETTEXT_FUNCTIONS:
            continue
        context_at, singular_at, plural_at = GETTEXT_FUNCTIONS[_function_name(node)]
        if len(node.args) <= singular_at:
            continue
        argument = node.args[singular_at]
        msgid = _literal(argument)
        if msgid is None:
            text = ast.unparse(argument)
            if CJK.search(text):  # _(f"...") or _("..." % x): the text in the catalog would never match
                problems.append(f"{relative}:{node.lineno} translate a literal, then format it: {text}")
            continue
        if not CJK.search(msgid):
            continue
        found.append(
            SourceString(
                relative,
                node.lineno,
                msgid,
                _literal(node.args[plural_at]) if plural_at is not None and len(node.args) > plural_at else None,
                _literal(node.args[context_at]) if context_at is not None else None,
            )
        )
    return found, problems


@pytest.fixture(scope="module")
def source_strings() -> list[SourceString]:
    strings, problems = [], []
    for path in source_files():
        found, trouble = scan_source(path)
        strings += found
        problems += trouble
    assert not problems, "gettext calls that makemessages cannot extract:\n" + "\n".join(problems)
    return strings


# --- The catalog itself --------------------------------------------------------------------------------------


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def test_catalog_has_messages(messages):
    assert len(messages) > 100


def test_header_declares_english_utf8_and_plural_forms(po_entries):
    header = next(entry for entry in po_entries if entry.msgid == "" and entry.msgctxt is None)
    text = header.msgstr[0]
    assert "Language: en\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in text
    assert "fuzzy" not in header.flags


def test_every_message_is_translated_and_not_fuzzy(messages):
    untranslated = [entry.where for entry in messages if not all(entry.msgstr.values()) or not entry.msgstr]
    fuzzy = [entry.where for entry in messages if "fuzzy" in entry.flags]
    assert not untranslated, "messages without an English translation:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy (unchecked) translations:\n" + "\n".join(fuzzy)


def test_plural_messages_have_both_forms(messages):
    wrong = [entry.where for entry in messages if entry.msgid_plural is not None and set(entry.msgstr) != {0, 1}]
    assert not wrong, "plural messages need msgstr[0] and msgstr[1]:\n" + "\n".join(wrong)


def test_placeholders_are_kept(messages):
    wrong = []
    for entry in messages:
        for index, translated in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural is not None else entry.msgid
            if placeholders(source) != placeholders(translated):
                wrong.append(f"{entry.where}: {sorted(placeholders(source))} != {sorted(placeholders(translated))}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_translations_are_english(messages):
    chinese = [f"{entry.where} -> {text!r}" for entry in messages for text in entry.msgstr.values() if CJK.search(text)]
    assert not chinese, "translations that still contain Chinese text or full-width punctuation:\n" + "\n".join(chinese)


def test_committed_mo_matches_the_po(po_entries):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages (see this module's docstring)"
    with MO_PATH.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in po_entries:
        if not entry.msgid:
            continue
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, index): text for index, text in entry.msgstr.items()})
    compiled = {key: value for key, value in catalog.items() if key != ""}
    stale = [
        f"{key!r}: .po {value!r}, .mo {compiled.get(key)!r}"
        for key, value in expected.items()
        if compiled.get(key) != value
    ]
    extra = [repr(key) for key in compiled if key not in expected]
    assert not stale, "django.mo is out of date (run compilemessages):\n" + "\n".join(stale)
    assert not extra, "django.mo has messages that django.po no longer has (run compilemessages):\n" + "\n".join(extra)


def test_mo_is_read_by_gettext(po_entries):
    with MO_PATH.open("rb") as handle:
        english = gettext.GNUTranslations(handle)
    assert english.gettext("企业名称") == "Enterprise name"
    assert english.info()["language"] == "en"
    for entry in po_entries:
        if entry.msgid_plural is not None:
            assert english.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert english.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1]


# --- The source and the catalog agree ------------------------------------------------------------------------


def test_scanner_reads_the_forms_used_in_the_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.utils import translation\n"
        "a = _('单引号')\n"
        'b = gettext_lazy("双引号")\n'
        "c = _(\"隐式\" '拼接')\n"
        'd = _(\n    """三引号"""\n)\n'
        'e = ngettext("%(n)d 个", "%(n)d 个", n)\n'
        'f = pgettext_lazy("月份", "五月")\n'
        'g = translation.gettext("属性调用")\n'
        'h = _("English only")\n'
        'i = _(f"{x}中文")\n',
        encoding="utf-8",
    )
    found, problems = scan_source(sample, root=tmp_path)
    assert [(s.msgctxt, s.msgid, s.msgid_plural) for s in found] == [
        (None, "单引号", None),
        (None, "双引号", None),
        (None, "隐式拼接", None),
        (None, "三引号", None),
        (None, "%(n)d 个", "%(n)d 个"),
        ("月份", "五月", None),
        (None, "属性调用", None),
    ]
    assert len(problems) == 1 and "sample.py:12" in problems[0]


def test_scanner_covers_every_app():
    names = {package.name for package in source_packages()}
    assert {"accounts", "common", "companies", "projects", "servicerequests", "workdays", "demo", "promotion"} <= names
    assert not any("migrations" in path.parts or "tests" in path.parts for path in source_files())


def test_every_source_string_is_in_the_catalog(source_strings, messages):
    assert len(source_strings) > 100
    known = {entry.key: entry for entry in messages}
    missing = [str(string) for string in source_strings if string.key not in known]
    assert not missing, (
        "strings in the code that locale/en/LC_MESSAGES/django.po lacks "
        "(run makemessages and translate them, see tests/i18n/test_catalogs.py):\n" + "\n".join(missing)
    )
    wrong_plural = [
        str(string)
        for string in source_strings
        if string.msgid_plural is not None and known[string.key].msgid_plural != string.msgid_plural
    ]
    assert not wrong_plural, "plural forms changed in the code (run makemessages):\n" + "\n".join(wrong_plural)


# --- Django uses the catalog ---------------------------------------------------------------------------------


def test_languages_setting():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert BASE_DIR / "locale" in [Path(path) for path in settings.LOCALE_PATHS]


def test_model_labels_follow_the_active_language():
    from projects.models import Project

    label = Project._meta.get_field("total_investment").verbose_name
    with translation.override("en"):
        assert str(label) == "Total investment (10k CNY)"
        assert str(Project._meta.verbose_name) == "Investment project"
    with translation.override("zh-hans"):
        assert str(label) == "总投资（万元）"
        assert str(Project._meta.verbose_name) == "招商项目"


def test_messages_with_placeholders_format_in_english():
    from django.utils.translation import gettext, ngettext

    with translation.override("en"):
        assert gettext("统一社会信用代码应为18位，当前为%(length)d位。") % {"length": 17} == (
            "The unified social credit code (USCC) must have 18 characters; this one has 17."
        )
        one = ngettext("已将 %(count)d 个年度标记为已公布。", "已将 %(count)d 个年度标记为已公布。", 1)
        many = ngettext("已将 %(count)d 个年度标记为已公布。", "已将 %(count)d 个年度标记为已公布。", 3)
        assert one % {"count": 1} == "1 year marked as announced."
        assert many % {"count": 3} == "3 years marked as announced."


@pytest.fixture
def plain_static_files(settings):
    """The admin pages need static URLs; the manifest storage would need collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.django_db
def test_admin_login_page_is_chinese_by_default(client, plain_static_files):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    assert "登录" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_admin_login_page_is_english_with_accept_language(client, plain_static_files):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en"' in page
    assert "Log in" in page
    assert "登录" not in page


@pytest.mark.django_db
def test_admin_login_page_is_english_with_the_language_cookie(client, plain_static_files):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="en"' in page
    assert "Log in" in page


@pytest.mark.django_db
def test_admin_form_shows_the_project_translations(client, plain_static_files):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("i18n-root", "root@example.org", "x", role="admin")
    client.force_login(root)
    english = client.get("/admin/projects/project/add/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Total investment (10k CNY)" in english
    assert "总投资（万元）" not in english
    chinese = client.get("/admin/projects/project/add/").content.decode()
    assert "总投资（万元）" in chinese
