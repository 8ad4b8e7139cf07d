"""Demo and scale data: a seed preset plus generated departments and people with Turkish names.

small: about 60 units and 300 people; metro: about 450 units and 30,000 people. Deterministic (seeded),
bulk-inserted (and still audited: AuditedQuerySet.bulk_create records every row).

With the service desk installed, ``demo_tickets`` adds its tickets (small: 400 over two years, so
the desk looks alive; metro: 3,000,000 over ten years, loaded with PostgreSQL COPY and recorded
in the audit trail by one entry per table — see ``bilge.servicedesk.demo``)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum.tr import tckimlik

from bilge.core.models import Person, Position, RoleAssignment, Unit
from bilge.core.services import ensure_builtin_roles, load_preset

FIRST_NAMES = (
    "Ahmet Mehmet Mustafa Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil Süleyman Abdullah "
    "Mahmut Recep Salih Fatih Kadir Emre Hakan Kemal Serkan Burak Onur Cem Çağrı Ilgaz Uğur Oğuz Tolga Gökhan Şükrü "
    "Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Özlem Yasemin Esra Büşra Gül "
    "Derya Sevgi Özge İpek Oya Ebru Çiğdem Gülşen Şule Irmak Ilknur Nur Aslı Dilek Tuğba Ümran Ülkü Işıl"
).split()
LAST_NAMES = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt "
    "Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin "
    "Ünal Turan Gül Özer Işık Kaplan Avcı Sarı Tekin Taş Köse Yüksel Ateş Aksoy Ilgın Uçar Çınar Ekinci Sönmez Ergün "
    "Tunç Bayram Karakaya Çalışkan Başaran Ağca Işıkhan Ongun Ölmez Ürgüp İnce İpekçi"
).split()
DEPARTMENTS = [
    "Fen İşleri", "Mali Hizmetler", "Zabıta", "İnsan Kaynakları ve Eğitim", "Destek Hizmetleri", "Kültür ve Sosyal İşler",
    "İmar ve Şehircilik", "Park ve Bahçeler", "Çevre Koruma ve Kontrol", "İtfaiye", "Ulaşım Planlama", "Yazı İşleri",
    "Hukuk Müşavirliği", "Basın Yayın ve Halkla İlişkiler", "Strateji Geliştirme", "Sağlık İşleri", "Afet İşleri",
    "Emlak ve İstimlak", "Tarımsal Hizmetler", "Gençlik ve Spor", "Kadın ve Aile Hizmetleri", "Sosyal Hizmetler",
    "Etüt ve Projeler", "Yapı Kontrol", "Kentsel Dönüşüm", "Muhtarlık İşleri", "Deprem Risk Yönetimi", "Rehberlik ve Teftiş",
    "Dış İlişkiler", "Makine İkmal", "Su ve Kanalizasyon", "Toplu Taşıma", "Mezarlıklar", "Veteriner İşleri",
]
BRANCH_WORDS = ["Planlama", "Uygulama", "Denetim", "İdari İşler", "Proje", "Bakım Onarım", "Hizmet", "Koordinasyon"]
SECTION_WORDS = ["Evrak", "Arşiv", "Saha", "Büro", "Muhasebe", "Satın Alma", "Depo", "Halkla İlişkiler"]
TITLES = ["Memur", "Mühendis", "Tekniker", "Teknisyen", "Uzman", "Şef", "Veri Hazırlama ve Kontrol İşletmeni",
          "Mimar", "Avukat", "Zabıta Memuru", "İtfaiye Eri", "Programcı", "Sistem Uzmanı"]
SCALES = {
    "small": {"departments": 12, "branches": 2, "sections": 1, "people": 300, "tickets": 400, "ticket_years": 2,
              "recent_boost": 25.0},
    "metro": {"departments": 34, "branches": 4, "sections": 2, "people": 30_000, "tickets": 3_000_000,
              "ticket_years": 10, "recent_boost": 1.0},
}


@dataclass
class DemoResult:
    institution: object
    units: int
    people: int
    created: bool


def _tc(rng: random.Random) -> str:
    base = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return base + tckimlik.calc_check_digits(base)


def _units_plan(rng, scale):
    plan = []  # (code, name, kind, parent_code)
    for d_index, dept in enumerate(DEPARTMENTS[: scale["departments"]], start=1):
        d_code = f"D{d_index:02d}"
        plan.append((d_code, f"{dept} Dairesi Başkanlığı", Unit.Kind.DEPARTMENT, None))
        for b_index in range(1, scale["branches"] + 1):
            b_code = f"{d_code}B{b_index}"
            word = BRANCH_WORDS[(d_index + b_index) % len(BRANCH_WORDS)]
            plan.append((b_code, f"{dept} {word} Şube Müdürlüğü", Unit.Kind.BRANCH, d_code))
            for s_index in range(1, scale["sections"] + 1):
                s_word = SECTION_WORDS[(d_index + b_index + s_index) % len(SECTION_WORDS)]
                plan.append((f"{b_code}S{s_index}", f"{dept} {word} {s_word} Şefliği", Unit.Kind.SECTION, b_code))
    return plan


@transaction.atomic
def generate(scale: str = "small", preset: str = "kocaeli", seed: int = 1) -> DemoResult:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    config = SCALES[scale]
    rng = random.Random(seed)
    institution = load_preset(preset).institution
    ensure_builtin_roles()
    people_now = Person.objects.filter(institution=institution).count()
    if people_now >= config["people"]:
        return DemoResult(institution, institution.units.count(), people_now, created=False)

    existing = {u.code: u for u in Unit.objects.filter(institution=institution)}
    for code, name, kind, parent_code in _units_plan(rng, config):
        if code in existing:
            continue
        unit = Unit(institution=institution, code=code, name=name, kind=kind,
                    parent=existing.get(parent_code) if parent_code else None)
        unit.save()
        existing[code] = unit
    positions = {}
    for name, manager in [("Daire Başkanı", True), ("Şube Müdürü", True), ("Şef", True), ("Personel", False),
                          ("Taşınır Kayıt Yetkilisi", False), ("Taşınır Kontrol Yetkilisi", False)]:
        positions[name], _ = Position.objects.get_or_create(institution=institution, name=name,
                                                            defaults={"is_manager": manager})

    units = list(Unit.objects.filter(institution=institution).order_by("pk"))
    it_units = [u for u in units if u.is_it]
    # Weighted: IT units get a realistic share, other units the rest.
    people = []
    taken = set(Person.objects.filter(institution=institution).values_list("registration_no", flat=True))
    count = config["people"] - people_now
    managers = {}
    for i in range(count):
        unit = it_units[i % len(it_units)] if i % 25 == 0 and it_units else units[rng.randrange(len(units))]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        reg = f"{10000 + people_now + i}"
        while reg in taken:
            reg = str(int(reg) + 100000)
        taken.add(reg)
        kind = rng.choices(["memur", "sozlesmeli", "isci", "sirket", "stajyer"], [50, 15, 20, 13, 2])[0]
        is_manager = unit.pk not in managers
        position = positions[{"daire_baskanligi": "Daire Başkanı", "sube_mudurlugu": "Şube Müdürü"}.get(
            unit.kind, "Şef")] if is_manager else positions["Personel"]
        ascii_mail = (first + "." + last).lower().translate(str.maketrans("çğıöşüİ", "cgiosui"))
        person = Person(
            institution=institution, registration_no=reg, first_name=first, last_name=last.upper() if i % 7 == 0 else last,
            title=position.name if is_manager else rng.choice(TITLES), unit=unit, position=position,
            email=f"{ascii_mail}{i}@{institution.slug}.bel.tr", phone=f"+90 5{rng.randint(30, 59)} {rng.randint(100, 999)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}", employment_type=kind,
            tc_kimlik=_tc(rng) if rng.random() < 0.9 else "",
        )
        person.search_text = person.build_search_text()
        people.append(person)
        if is_manager:
            managers[unit.pk] = person
    Person.objects.bulk_create(people, batch_size=2000)
    # Managers: the first person placed in each unit.
    by_reg = dict(Person.objects.filter(institution=institution, registration_no__in=[p.registration_no for p in managers.values()])
                  .values_list("registration_no", "pk"))
    to_update = []
    for unit in units:
        manager = managers.get(unit.pk)
        if manager is not None and unit.manager_id is None:
            unit.manager_id = by_reg[manager.registration_no]
            to_update.append(unit)
    Unit.objects.bulk_update(to_update, ["manager"], batch_size=500)
    from django.db import connection

    if connection.vendor == "postgresql":  # fresh statistics after a bulk load, or the planner guesses
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_person, core_unit, core_auditentry")
    return DemoResult(institution, len(units), Person.objects.filter(institution=institution).count(), created=True)


def demo_users(institution, password: str) -> list[tuple[str, str]]:
    """Sign-in accounts showing the roles: an auditor, an IT technician, a unit manager, an employee."""
    roles = ensure_builtin_roles()
    User = get_user_model()
    it_person = Person.objects.filter(institution=institution, unit__is_it=True).order_by("pk").first()
    manager = Person.objects.filter(institution=institution, unit__is_it=False, managed_units__kind="daire_baskanligi") \
        .order_by("pk").first()
    employee = Person.objects.filter(institution=institution, unit__is_it=False, position__is_manager=False) \
        .order_by("pk").first()
    plan = [
        ("denetci", None, [("Denetçi", "institution")], "Denetçi"),
        ("bt.personel", it_person, [("BT personeli", "institution")], "BT personeli"),
        ("birim.yonetici", manager, [("Birim yöneticisi", "unit_tree")], "Birim yöneticisi"),
        ("personel", employee, [("Birim personeli", "own")], "Birim personeli"),
    ]
    created = []
    for username, person, assignments, label in plan:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=person.first_name if person else "Denetçi",
                        last_name=person.last_name if person else "", email=person.email if person else "")
            user.set_password(password)
            user.save()
        if person is not None and person.user_id is None:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        for role_name, scope in assignments:
            RoleAssignment.objects.get_or_create(user=user, role=roles[role_name], scope=scope,
                                                 institution=institution if person is None else None)
        created.append((username, label))
    return created


def demo_tickets(institution, scale: str = "small", progress=None):
    """The service-desk tickets of the scale (once: nothing when the institution has them)."""
    from bilge.servicedesk.demo import generate_tickets

    config = SCALES[scale]
    result = generate_tickets(institution, config["tickets"], years=config["ticket_years"],
                              recent_boost=config["recent_boost"], progress=progress)
    from django.db import connection

    if result.created and result.tickets > 100_000 and connection.vendor == "postgresql" \
            and not connection.in_atomic_block:
        # Rows written by COPY carry no visibility information yet: the first readers would set it
        # page by page (slow queries, index-only scans impossible). VACUUM does it once, now.
        if progress:
            progress("  vacuuming the service-desk tables")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) servicedesk_ticket, servicedesk_approval, servicedesk_comment, "
                           "servicedesk_worklog")
    return result
