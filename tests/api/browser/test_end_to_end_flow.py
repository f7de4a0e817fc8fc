"""The whole job in the browser, from an empty database: the first-run page opened with its
one-time token creates the groupement and its coordinator; the set-up is done through the pages
alone (two cabinets with their opening hours and contact e-mail, a doctor and his patientèle
statement imported from a CSV file, previewed then confirmed, an assistant with her availability
and e-mail, a contract with its share plan, the travel time by the estimate);
the coming week is planned and published, planned again, an assignment moved, and published
inside the notice window with a reason; the jobs process's sender then delivers the notices to
a real local SMTP server (aiosmtpd), where the assistant's and the cabinet's e-mails arrive in
French. Last, a person invited from the users page receives her link there, chooses her
password and is signed in. At 1366 px; the key pages also at 390 x 844, without sideways
scroll."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

from api.main import create_app
from api.pages import install_pages
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.jobs import JobContext, send_invitations, send_notice_emails
from scheduler.migrations import upgrade_to_head
from scheduler.services.first_run import issue_first_run_token
from tests.api.browser.conftest import CHROMIUM, DESKTOP, PHONE, serving
from tests.api.browser.test_pages_browser import shoot
from tests.conftest import missing_tool
from tests.live import free_port
from tests.scheduler.test_notice_emails import Inbox

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")
COORDINATOR = ("claire@ge-sante.example.fr", "un mot de passe sûr")
ASSISTANT_MAIL = "ines.garnier@example.fr"
WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi")
CABINETS = (
    ("Cabinet des Lilas", "cab-lilas", "49,1193", "6,1757", "accueil@lilas.example.fr"),
    ("Maison de santé du Pont", "msp-pont", "49,2000", "6,1000", "accueil@pont.example.fr"),
)


@dataclass(frozen=True)
class Empty:
    """A live Partagenda on an empty database, its jobs' context and the SMTP server's inbox."""

    base_url: str
    token: str
    ctx: JobContext
    inbox: Inbox


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Empty]:
    """uvicorn on a freshly migrated SQLite file with no user, a thread executing the plan runs,
    and aiosmtpd on 127.0.0.1 as the mail server."""
    if not Path(CHROMIUM).exists():
        missing_tool(f"{CHROMIUM} is absent (apt-get install chromium): no browser to drive")
    inbox = Inbox()
    smtp_port = free_port()
    mail = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    mail.start()
    folder = tmp_path_factory.mktemp("end-to-end")
    url = f"sqlite:///{folder / 'partagenda.db'}"
    upgrade_to_head(url)
    port = free_port()
    settings = Settings(
        database_url=url,
        secret_key="end-to-end-secret-key-0123456789abcdef",
        solver_time_limit_s=3.0,
        public_base_url=f"http://127.0.0.1:{port}",
        log_json=False,
        output_dir=folder / "out",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_sender="Partagenda <planning@ge-sante.example.fr>",
        smtp_timeout_s=10,
    )
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        token = issue_first_run_token(session)
    assert token is not None
    app = create_app(settings)
    install_pages(app)
    with serving(app, settings, factory):
        yield Empty(
            settings.public_base_url or "", token, JobContext(settings, engine, factory), inbox
        )
    engine.dispose()
    mail.stop()


def _fits_a_phone(page: Page, label: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label}: {width} px wide at {PHONE['width']} px"


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=name, exact=True
    ).click()


def _plan(page: Page, base: str, week: date) -> None:
    """Run the planner on the week and open the draft it stored."""
    page.goto(f"{base}/planning?semaine={week}")
    page.get_by_role("button", name=re.compile("alculer le planning")).click()
    expect(page.get_by_text("Calcul terminé")).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Afficher le nouveau brouillon").click()
    expect(page.locator(".badge--draft").filter(has_text="brouillon")).to_be_visible()


def test_a_new_groupement_is_set_up_planned_published_and_told_by_e_mail(
    chromium: Browser, empty: Empty, screenshots: Path, tmp_path: Path
) -> None:
    base = empty.base_url
    phone_context = chromium.new_context(viewport=PHONE, locale="fr-FR")
    context = chromium.new_context(viewport=DESKTOP, locale="fr-FR")
    try:
        phone = phone_context.new_page()
        page = context.new_page()
        for tab in (phone, page):
            tab.set_default_timeout(15_000)

        # The first-run page, on a phone too, before anyone has an account.
        phone.goto(f"{base}/premiere-connexion?jeton={empty.token}")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Première mise en route")
        _fits_a_phone(phone, "/premiere-connexion")
        shoot(phone, screenshots, "e2e-first-run-390")
        page.goto(f"{base}/premiere-connexion?jeton={empty.token}")
        page.get_by_label("Nom du groupement").fill("GE Santé Moselle")
        page.get_by_label("Identifiant court").fill("ge-sante-moselle")
        page.get_by_label("Fuseau horaire").fill("Europe/Paris")
        page.get_by_label("Nom et prénom").fill("Claire Coordination")
        page.get_by_label("Adresse e-mail").fill(COORDINATOR[0])
        page.get_by_label("Mot de passe", exact=True).fill(COORDINATOR[1])
        page.get_by_label("Mot de passe, à nouveau").fill(COORDINATOR[1])
        page.get_by_role("button", name="Créer le groupement et le compte").click()
        expect(page).to_have_url(re.compile(r"/planning"))

        # Two cabinets open Monday to Friday, each with its contact e-mail.
        for name, code, lat, lon, contact in CABINETS:
            _nav(page, "Cabinets")
            page.get_by_role("link", name="Ajouter un cabinet").click()
            page.get_by_label("Nom", exact=True).fill(name)
            page.get_by_label("Code", exact=True).fill(code)
            page.get_by_label(re.compile("^E-mail de contact")).fill(contact)
            page.get_by_label("Adresse", exact=True).fill("1 place de la Mairie")
            page.get_by_label("Code postal").fill("57000")
            page.get_by_label("Commune").fill("Metz")
            page.get_by_label("Département").fill("57")
            page.get_by_label("Latitude").fill(lat)
            page.get_by_label("Longitude").fill(lon)
            for day in WEEKDAYS:
                page.get_by_role("textbox", name=re.compile(f"^{day}")).fill("08:00-19:00")
            page.get_by_role("button", name="Créer le cabinet").click()
            expect(page.get_by_role("status")).to_have_text("Cabinet créé.")

        _nav(page, "Médecins")
        page.get_by_role("link", name=re.compile("Ajouter un médecin")).click()
        page.get_by_label("Cabinet", exact=True).select_option(label=CABINETS[0][0])
        page.get_by_label("Numéro RPPS").fill("10101010105")
        page.get_by_label("Prénom").fill("Jeanne")
        page.get_by_label("Nom", exact=True).fill("Roux")
        page.get_by_role("button", name="Ajouter le médecin").click()
        expect(page.get_by_role("status")).to_have_text("Fiche créée.")

        # The doctor's patientèle statement, from a CSV file previewed then confirmed.
        statement = tmp_path / "releve.csv"
        statement.write_text(
            "rpps;date;pmt;file_active;source\n10101010105;2026-09-30;812;1304;CPAM 57\n",
            encoding="utf-8",
        )
        _nav(page, "Imports")
        form = page.locator("#import-patientele")
        form.get_by_label("Fichier CSV").set_input_files(str(statement))
        form.get_by_role("button", name="Vérifier le fichier").click()
        expect(page.locator("#lignes-ajoutees tbody tr")).to_have_count(1)
        page.get_by_role("button", name="Importer la ligne").click()
        expect(page.get_by_role("status")).to_have_text("Relevés de patientèle : 1 ligne importée.")

        _nav(page, "Assistantes")
        page.get_by_role("link", name=re.compile("Ajouter une assistante")).click()
        page.get_by_label("Prénom").fill("Inès")
        page.get_by_label("Nom", exact=True).fill("Garnier")
        page.get_by_label("Code", exact=True).fill("am-ines")
        page.get_by_label(re.compile("^Adresse e-mail")).fill(ASSISTANT_MAIL)
        for day in WEEKDAYS:
            page.get_by_role("textbox", name=re.compile(f"^{day}")).fill("08:00-18:00")
        page.get_by_role("button", name="Ajouter l'assistante").click()
        expect(page.get_by_role("status")).to_have_text("Fiche créée.")

        # The contract from this week's Monday, 60 / 40 between the two cabinets.
        today = datetime.now(UTC).astimezone(PARIS).date()
        monday = today - timedelta(days=today.weekday())
        week = monday + timedelta(days=7)
        _nav(page, "Contrats")
        page.get_by_role("link", name="Gérer les contrats et leurs parts").click()
        page.get_by_role("link", name="Ajouter un contrat").click()
        page.get_by_label("Nom", exact=True).fill("Contrat mutualisé Lilas-Pont")
        page.get_by_label("Code", exact=True).fill("lilas-pont")
        page.get_by_label("Début du contrat").fill(monday.isoformat())
        page.get_by_label("ETP financés").fill("0,7")
        page.get_by_label("Assistante 1", exact=True).select_option(label="Inès Garnier")
        page.get_by_label("Heures par semaine (assistante 1)").fill("24")
        page.get_by_label(f"Part de {CABINETS[0][0]} (%)").fill("60")
        page.get_by_label(f"Part de {CABINETS[1][0]} (%)").fill("40")
        page.get_by_role("button", name="Créer le contrat").click()
        expect(page.get_by_role("status")).to_contain_text("Contrat créé")
        expect(page.locator("#plans")).to_contain_text("en vigueur")
        contract_url = page.url.split("?")[0]
        shoot(page, screenshots, "e2e-contract-1366")

        # The travel time, by the estimate.
        _nav(page, "Trajets")
        page.get_by_role("button", name="Estimer les trajets manquants").click()
        expect(page.locator("#estimation-faite")).to_contain_text("1 trajet estimé")
        expect(page.locator("#trajets-table")).to_contain_text("nouvelle estimation")
        shoot(page, screenshots, "e2e-travel-1366")

        # Plan the coming week and publish it (its first publication tells nobody).
        _plan(page, base, week)
        page.get_by_role("button", name="Publier ce planning").click()
        expect(page.get_by_text("Planning publié : les agendas")).to_be_visible(timeout=30_000)

        # Plan it again, move an assignment by half an hour, publish inside the window.
        _plan(page, base, week)
        blocks = page.locator(".block")
        expect(blocks.first).to_be_visible()
        alone = page.locator("td:has(> .block):not(:has(.block ~ .block))").locator(".block")
        block = alone.first if alone.count() else blocks.first
        block.locator("summary").click()
        start = block.locator("input[name=debut]")
        end = block.locator("input[name=fin]")
        begin, finish = start.input_value(), end.input_value()
        shift = 30 if finish <= "17:30" else -30

        def moved(text: str) -> str:
            hours, minutes = map(int, text.split(":"))
            total = hours * 60 + minutes + shift
            return f"{total // 60:02d}:{total % 60:02d}"

        start.fill(moved(begin))
        end.fill(moved(finish))
        block.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status").first).to_contain_text("Affectation déplacée")
        shoot(page, screenshots, "e2e-week-edited-1366")
        page.get_by_label(re.compile("^Motif")).fill("accord d'Inès par téléphone")
        page.get_by_role("button", name="Publier ce planning").click()
        expect(page.get_by_text("Planning publié : les agendas")).to_be_visible(timeout=30_000)

        # The jobs process's sender delivers the notices to the SMTP server.
        done = send_notice_emails(empty.ctx)
        assert not done.failed, done
        to_her = empty.inbox.to(ASSISTANT_MAIL)
        assert to_her, [m["To"] for _, m in empty.inbox.messages]
        assert "planning" in str(to_her[-1]["Subject"]).lower()
        text = to_her[-1].get_body(("plain",))
        assert text is not None and "accord d'Inès par téléphone" in text.get_content()
        cabinet_mails = [m for c in CABINETS for m in empty.inbox.to(c[4])]
        assert cabinet_mails, [m["To"] for _, m in empty.inbox.messages]

        # The key pages on a phone.
        phone.goto(f"{base}/connexion")
        phone.get_by_label("Adresse e-mail").fill(COORDINATOR[0])
        phone.get_by_label("Mot de passe").fill(COORDINATOR[1])
        phone.get_by_role("button", name="Se connecter").click()
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        for path, name in (
            (contract_url.removeprefix(base), "e2e-contract-390"),
            ("/trajets", "e2e-travel-390"),
            (f"/planning?semaine={week}", "e2e-week-390"),
        ):
            phone.goto(base + path)
            _fits_a_phone(phone, path)
            shoot(phone, screenshots, name)

        # A person invited from the users page receives her link, chooses her password and is
        # signed in.
        _nav(page, "Utilisateurs")
        page.get_by_label("Nom et prénom").fill("Paul Secrétariat")
        page.get_by_label("Adresse e-mail").fill("paul@lilas.example.fr")
        page.get_by_label("Rôle", exact=True).select_option(value="cabinet")
        page.get_by_label("Cabinet (pour le rôle « cabinet »)").select_option(label=CABINETS[0][0])
        page.get_by_role("button", name="Envoyer l'invitation").click()
        expect(page.get_by_role("row").filter(has_text="paul@lilas.example.fr")).to_be_visible()
        sent = send_invitations(empty.ctx)
        assert not sent.failed, sent
        (invitation,) = empty.inbox.to("paul@lilas.example.fr")
        link = re.search(r"(http\S+/invitation\?jeton=\S+)", invitation.get_content())
        assert link is not None
        invited = chromium.new_context(viewport=PHONE, locale="fr-FR").new_page()
        try:
            invited.goto(link[1])
            expect(invited.get_by_role("heading", level=1)).to_have_text(
                "Choisir votre mot de passe"
            )
            _fits_a_phone(invited, "/invitation")
            invited.get_by_label("Mot de passe", exact=True).fill("le mot de passe de Paul")
            invited.get_by_label("Confirmez le mot de passe").fill("le mot de passe de Paul")
            invited.get_by_role("button", name="Enregistrer et me connecter").click()
            expect(invited.get_by_role("heading", level=1)).to_have_text(CABINETS[0][0])
            shoot(invited, screenshots, "e2e-invited-signed-in-390")
        finally:
            invited.context.close()
    finally:
        context.close()
        phone_context.close()
