"""The help center beyond English and Spanish: Portuguese, French, German, Italian, Russian,
Japanese (no spaces between words) and Arabic (right to left), written through the editor as
an admin would, then read, searched and answered from as customers would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from atiende.assistant.knowledge import current_knowledge, ranked_articles
from atiende.helpcenter.models import ArticleTranslation
from atiende.helpcenter.search.index import analyze, search
from atiende.helpcenter.urls_util import make_slug
from atiende.people.models import Role
from tests.factories import Factory
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    question: str = ""


# (change_plan, offline) in each language.
ARTICLES: dict[str, tuple[Text, Text]] = {
    "pt": (
        Text(
            "Mudar de plano",
            "Você pode trocar entre os planos Individual, Duo e Família a qualquer momento "
            "nas configurações da conta.",
            "Como faço upgrade da minha assinatura?",
        ),
        Text(
            "Baixar músicas para ouvir sem conexão",
            "As músicas baixadas tocam sem internet durante 30 dias.",
        ),
    ),
    "fr": (
        Text(
            "Changer d'abonnement",
            "Vous pouvez passer des formules Individuel, Duo et Famille à tout moment depuis "
            "les paramètres du compte.",
        ),
        Text(
            "Télécharger de la musique pour l'écouter hors connexion",
            "Les morceaux téléchargés sont lisibles sans connexion pendant 30 jours.",
        ),
    ),
    "de": (
        Text(
            "Abo ändern",
            "Sie können jederzeit zwischen den Tarifen Individual, Duo und Familie wechseln. "
            "Öffnen Sie dazu die Kontoeinstellungen.",
        ),
        Text(
            "Musik für die Offline-Wiedergabe herunterladen",
            "Heruntergeladene Titel lassen sich 30 Tage lang ohne Verbindung abspielen.",
        ),
    ),
    "it": (
        Text(
            "Cambiare piano",
            "Puoi passare tra i piani Individual, Duo e Famiglia in qualsiasi momento dalle "
            "impostazioni dell'account.",
        ),
        Text(
            "Scaricare musica per ascoltarla offline",
            "I brani scaricati si ascoltano senza connessione per 30 giorni.",
        ),
    ),
    "ru": (
        Text(
            "Сменить тариф",
            "Вы можете в любой момент переключиться между тарифами Individual, Duo и Family "
            "в настройках аккаунта.",
        ),
        Text(
            "Скачать музыку для прослушивания без интернета",
            "Скачанные треки воспроизводятся без подключения 30 дней.",
        ),
    ),
    "ja": (
        Text(
            "プランを変更する",
            "アカウント設定から、いつでもIndividual、Duo、Familyのプランを切り替えられます。",
        ),
        Text(
            "オフラインで聴くために音楽をダウンロードする",
            "ダウンロードした曲は30日間オフラインで再生できます。",
        ),
    ),
    "ar": (
        Text(
            "تغيير خطتك",
            "يمكنك التبديل بين خطط Individual وDuo وFamily في أي وقت من إعدادات الحساب.",
        ),
        Text(
            "تنزيل الموسيقى للاستماع دون اتصال",
            "يتم تشغيل الأغاني التي تم تنزيلها دون اتصال بالإنترنت لمدة 30 يومًا.",
        ),
    ),
}


def _write(client: Client, article_id: int, language: str, text: Text) -> None:
    form = {
        "title": text.title,
        "body": text.body,
        "questions": text.question,
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
    }
    saved = client.post(f"/inbox/helpcenter/{article_id}/{language}/", form)
    assert saved.status_code == 302, saved.content.decode()[:500]
    published = client.post(
        f"/inbox/helpcenter/{article_id}/{language}/status/", {"status": "published"}
    )
    assert published.status_code == 302


@pytest.fixture
def many_languages(client: Client, factory: Factory, help_center: HelpCenter) -> HelpCenter:
    """The bilingual help center, with both articles translated into seven more languages
    through the editor, as an admin would."""
    client.force_login(factory.user(role=Role.ADMIN))
    for language, (plan, offline) in ARTICLES.items():
        _write(client, help_center.change_plan.pk, language, plan)
        _write(client, help_center.offline.pk, language, offline)
    client.logout()
    return help_center


def test_every_language_has_its_pages_with_working_urls(
    client: Client, many_languages: HelpCenter
) -> None:
    for language in ARTICLES:
        translation = ArticleTranslation.objects.get(
            article=many_languages.offline, language=language
        )
        url = f"/hc/{language}/articles/{translation.article_id}-{translation.slug}/"
        # Unicode slugs (Russian, Japanese, Arabic) answer 200, not a redirect to themselves.
        page = client.get(url)
        assert page.status_code == 200, (language, url, page.status_code)
        html = page.content.decode()
        assert ARTICLES[language][1].title.replace("'", "&#x27;") in html
        home = client.get(f"/hc/{language}/")
        assert home.status_code == 200
        for other in ("en", "es", *ARTICLES):
            assert f'hreflang="{other}"' in html


def test_slugs_are_readable_in_every_script() -> None:
    assert make_slug("Straße und Größe") == "strasse-und-grosse"
    assert make_slug("Łódź, Ærø og Œuvre") == "lodz-aero-og-oeuvre"
    assert make_slug("Сменить тариф Premium") == "сменить-тариф-premium"
    assert make_slug("プランを変更する") == "プランを変更する"
    assert make_slug("تغيير خطتك") == "تغيير-خطتك"
    assert make_slug("???") == "article"


def test_elided_articles_are_not_part_of_the_word() -> None:
    assert analyze("Changer d'abonnement", "fr") == ["chang", "abon"]
    assert analyze("le impostazioni dell\u2019account", "it") == ["impost", "account"]
    assert analyze("don't", "en") == ["don't"]


def test_right_to_left_pages_say_so(client: Client, many_languages: HelpCenter) -> None:
    translation = ArticleTranslation.objects.get(article=many_languages.offline, language="ar")
    arabic = client.get(f"/hc/ar/articles/{translation.article_id}-{translation.slug}/")
    english_only = client.get(f"/hc/ar/articles/{many_languages.english_only.pk}-x/")

    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    assert 'class="hc-article" lang="ar" dir="rtl"' in arabic.content.decode()
    # An article shown in English on an Arabic page: the article itself reads left to right.
    fallback = english_only.content.decode()
    assert 'class="hc-article" lang="en" dir="ltr"' in fallback
    assert '<html lang="ja" dir="ltr">' in client.get("/hc/ja/").content.decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.5", "/hc/pt/"),
        ("de-DE,de;q=0.9", "/hc/de/"),
        ("ja", "/hc/ja/"),
        ("ar-EG", "/hc/ar/"),
        ("es-MX,es;q=0.9", "/hc/es/"),
        ("nl-NL,fr;q=0.8", "/hc/fr/"),
        ("ko-KR", "/hc/en/"),
    ],
)
def test_visitors_land_in_their_language(
    client: Client, many_languages: HelpCenter, header: str, expected: str
) -> None:
    response = client.get("/hc/", HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 302
    assert response["Location"] == expected


# (language, query as customers type it, which article): accents left out, other inflections
# than the article's, Japanese without spaces.
QUERIES = [
    ("pt", "configuracoes da conta", "change_plan"),
    ("pt", "musica sem conexao", "offline"),
    ("pt", "baixei as músicas", "offline"),
    ("fr", "parametres du compte", "change_plan"),
    ("fr", "telecharger musique hors connexion", "offline"),
    ("fr", "abonnement", "change_plan"),  # the title says "d'abonnement"
    ("de", "Tarif wechseln", "change_plan"),
    ("de", "kontoeinstellungen", "change_plan"),
    ("de", "Musik herunterladen", "offline"),
    ("it", "impostazioni account", "change_plan"),
    ("it", "brano scaricato", "offline"),
    ("ru", "сменить тарифы", "change_plan"),
    ("ru", "скачанная музыка", "offline"),
    ("ja", "プラン変更", "change_plan"),
    ("ja", "音楽ダウンロード", "offline"),
    ("ja", "オフライン再生", "offline"),
    ("ar", "تغيير الخطة", "change_plan"),
    ("ar", "تنزيل الموسيقى", "offline"),
]


@pytest.mark.parametrize(("language", "query", "article"), QUERIES)
def test_search_finds_articles_in_each_language(
    many_languages: HelpCenter, language: str, query: str, article: str
) -> None:
    expected = getattr(many_languages, article).pk

    searched, hits = search(query, language=language)

    assert searched == language
    assert hits, (language, query)
    assert (hits[0].article_id, hits[0].language) == (expected, language)


def test_suggestions_while_typing_japanese(client: Client, many_languages: HelpCenter) -> None:
    response = client.get("/api/helpcenter/suggest", {"q": "ダウンロ", "language": "ja"})

    results = response.json()["results"]
    assert results
    assert results[0]["language"] == "ja"
    assert f"/articles/{many_languages.offline.pk}-" in results[0]["url"]


def test_search_page_in_arabic(client: Client, many_languages: HelpCenter) -> None:
    response = client.get("/hc/ar/search/", {"q": "تنزيل الموسيقى"})

    assert response.status_code == 200
    assert ARTICLES["ar"][1].title in response.content.decode()


@pytest.mark.parametrize(("language", "query", "article"), QUERIES)
def test_the_answer_bot_retrieves_the_article(
    many_languages: HelpCenter, language: str, query: str, article: str
) -> None:
    expected = getattr(many_languages, article).pk
    retriever = current_knowledge().retriever
    assert retriever is not None

    candidates = ranked_articles(retriever, query)

    assert candidates
    assert int(candidates[0].key.split(":")[0]) == expected, (query, candidates[:3])


def test_a_regional_variant_speaks_its_language(
    client: Client, factory: Factory, help_center: HelpCenter
) -> None:
    client.force_login(factory.user(role=Role.ADMIN))
    _write(client, help_center.offline.pk, "es-mx", Text("Descargar música", "Sin conexión."))
    client.logout()

    page = client.get("/hc/es-mx/").content.decode()

    assert '<html lang="es-mx" dir="ltr">' in page
    assert "Centro de ayuda" in page  # the interface in Spanish, not English
    assert "Descargar música" in page
