"""The demo's people and words: Sonora, a music-streaming service, supported in English and
Spanish.

Texts are templates with slots (`{plan}`, `{device}`, `{amount}`...) that the loader fills from
a seeded random generator, so every load produces the same demo.
"""

from __future__ import annotations

from dataclasses import dataclass

# A password for the demo's own accounts only: printed by load_demo, set only when the demo
# creates them. Never use the demo on a public address.
DEMO_PASSWORD = "sonora-demo-only"  # noqa: S105

TEAMS: list[tuple[str, str, str]] = [
    ("billing", "Billing", "Payments, invoices, refunds and plan changes."),
    ("technical", "Technical", "Playback, apps, devices, downloads and the catalogue."),
    ("accounts", "Accounts", "Sign-in, two-factor authentication, security and cancellations."),
]


@dataclass(frozen=True)
class Agent:
    username: str
    first_name: str
    last_name: str
    role: str
    teams: tuple[str, ...]
    # Languages the person answers in; the first is their interface language.
    languages: tuple[str, ...]


AGENTS: list[Agent] = [
    Agent("demo-admin", "Adriana", "Vega", "admin", (), ("es", "en")),
    Agent("demo-supervisor", "Samuel", "Okafor", "supervisor", (), ("en", "es")),
    Agent("demo-agent", "Lucía", "Fernández", "agent", ("billing", "accounts"), ("es", "en")),
    Agent("demo-tom", "Tom", "Whitaker", "agent", ("billing",), ("en",)),
    Agent("demo-priya", "Priya", "Nair", "agent", ("technical",), ("en",)),
    Agent("demo-javier", "Javier", "Muñoz", "agent", ("technical",), ("es", "en")),
    Agent("demo-grace", "Grace", "Liu", "agent", ("technical", "accounts"), ("en",)),
    Agent("demo-ines", "Inés", "Peña", "agent", ("accounts", "billing"), ("es", "en")),
]

# (name, price in the customer's currency)
PLANS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "free": ("Free", "$0.00"),
        "individual": ("Individual", "$10.99"),
        "duo": ("Duo", "$14.99"),
        "family": ("Family", "$17.99"),
        "student": ("Student", "$5.99"),
    },
    "es": {
        "free": ("Gratis", "0,00 €"),
        "individual": ("Individual", "10,99 €"),
        "duo": ("Dúo", "14,99 €"),
        "family": ("Familiar", "17,99 €"),
        "student": ("Estudiantes", "5,99 €"),
    },
}
PAID_PLANS = ("individual", "duo", "family", "student")

# fmt: off
MONTHS = {
    "en": [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ],
    "es": [
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "octubre", "noviembre", "diciembre",
    ],
}
# fmt: on

DEVICES = {
    "android": ["Pixel 8", "Samsung Galaxy S23", "Xiaomi Redmi Note 12", "Motorola Edge 40"],
    "ios": ["iPhone 13", "iPhone 15 Pro", "iPad Air", "iPhone SE"],
    "desktop": ["Windows 11", "macOS Sonoma", "Ubuntu 22.04", "Windows 10"],
}
APP_VERSIONS = ["8.9.12", "8.9.14", "8.10.0", "8.10.2"]
ERROR_CODES = ["E-1042", "E-2210", "E-3007", "E-4415"]
ARTISTS = ["The Lanterns", "Mar de Fondo", "Luz Cortés", "Northbound", "Los Tres Soles", "Ivy Moss"]
PODCASTS = ["The Morning Brief", "Hablemos de Dinero", "Deep Cuts", "Crónicas del Sur"]
SPEAKERS = {
    "en": ["the living-room TV", "a Nest Mini", "a Chromecast Audio"],
    "es": ["la tele del salón", "un Nest Mini", "un Chromecast Audio"],
}

# fmt: off
FIRST_NAMES = {
    "en": [
        "Emily", "James", "Olivia", "Noah", "Ava", "Liam", "Sophie", "Ethan", "Chloe", "Daniel",
        "Grace", "Henry", "Isla", "Jack", "Megan", "Ryan", "Hannah", "Owen", "Zoe", "Marcus",
        "Aisha", "Ben", "Caitlin", "Dylan", "Erin", "Finn", "Harriet", "Kwame", "Leah",
        "Nathan",
    ],
    "es": [
        "María", "José", "Lucía", "Álvaro", "Sofía", "Martín", "Inés", "Íñigo", "Begoña",
        "Nuño", "Carmen", "Andrés", "Paula", "Sergio", "Elena", "Raúl", "Marta", "Tomás", "Ana",
        "Joaquín", "Alba", "Rubén", "Valeria", "Héctor", "Noelia",
    ],
}
LAST_NAMES = {
    "en": [
        "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts",
        "Walker", "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
        "Harris", "Clarke", "Patel", "Okoye", "Murphy", "O'Brien",
    ],
    "es": [
        "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Muñoz", "Núñez", "Ibáñez",
        "Peña", "Jiménez", "Ruiz", "Díaz", "Moreno", "Álvarez", "Romero", "Castaño", "Ortega",
        "Cañizares", "Rodríguez", "Beltrán", "Serrano",
    ],
}
# fmt: on
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]


@dataclass(frozen=True)
class Topic:
    """One kind of problem, with what the customer and the agents write about it."""

    key: str
    team: str
    tags: tuple[str, ...]
    # Priorities to draw from (repeated entries weigh more).
    priorities: tuple[str, ...]
    subjects: dict[str, list[str]]
    openings: dict[str, list[str]]
    first_replies: dict[str, list[str]]
    follow_ups: dict[str, list[str]]
    resolutions: dict[str, list[str]]
    notes: dict[str, list[str]]
    platform: str = ""
    # The plans a customer writing about this has ({plan} in the texts).
    plans: tuple[str, ...] = PAID_PLANS


NORMAL = ("normal", "normal", "normal", "low", "high")

TOPICS: list[Topic] = [
    Topic(
        key="charged_twice",
        team="billing",
        tags=("billing", "double-charge"),
        priorities=("high", "high", "normal", "urgent"),
        subjects={
            "en": ["Charged twice this month", "Double payment on my card"],
            "es": ["Me habéis cobrado dos veces", "Cobro duplicado en mi tarjeta"],
        },
        openings={
            "en": [
                (
                    "Hi, I was charged {price} twice on {date} for my {plan} plan. My bank shows "
                    "two payments to Sonora. Please refund one of them."
                ),
                (
                    "My card statement has two charges of {price} from Sonora on {date}. I only "
                    "have one account. What happened?"
                ),
            ],
            "es": [
                (
                    "Hola, el {date} me cobrasteis {price} dos veces por el plan {plan}. En el "
                    "banco aparecen dos cargos de Sonora. Por favor, devolvedme uno."
                ),
                (
                    "Buenas tardes: en el extracto de la tarjeta tengo dos cargos de {price} de "
                    "Sonora del {date}. Solo tengo una cuenta. ¿Qué ha pasado?"
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Sorry about that! I can see two payments of {price} on {date}. Could you "
                    "confirm the last four digits of the card so I can match both charges?"
                ),
            ],
            "es": [
                (
                    "¡Perdona las molestias! Veo dos pagos de {price} el {date}. ¿Me confirmas "
                    "los cuatro últimos dígitos de la tarjeta para localizar ambos cargos?"
                ),
            ],
        },
        follow_ups={
            "en": ["It's the card ending in {last4}.", "Card ending {last4}, thanks."],
            "es": ["Es la tarjeta que termina en {last4}.", "Termina en {last4}, gracias."],
        },
        resolutions={
            "en": [
                (
                    "Thanks! The duplicate payment of {price} has been refunded (reference "
                    "{invoice}). It usually shows on your statement within 5-10 business days."
                ),
            ],
            "es": [
                (
                    "¡Gracias! Hemos devuelto el cobro duplicado de {price} (referencia "
                    "{invoice}). Suele aparecer en el extracto en 5-10 días hábiles."
                ),
            ],
        },
        notes={
            "en": ["Payment provider shows two captures for {invoice}; retry bug on renewal."],
            "es": ["El proveedor de pagos muestra dos capturas en {invoice}; fallo al renovar."],
        },
    ),
    Topic(
        key="card_expired",
        team="billing",
        tags=("billing", "payment-method"),
        priorities=NORMAL,
        subjects={
            "en": ["Card expired, Premium paused", "Update payment card"],
            "es": ["Tarjeta caducada", "Cambiar la tarjeta de pago"],
        },
        openings={
            "en": [
                (
                    "My card expired and now Sonora says my {plan} plan is on hold. I added a new "
                    "card but the payment still fails. Can you help?"
                ),
                "How do I update my card? The old one ending in {last4} expired last month.",
            ],
            "es": [
                (
                    "Mi tarjeta ha caducado y Sonora dice que mi plan {plan} está en pausa. He "
                    "añadido una tarjeta nueva pero el pago sigue fallando. ¿Me ayudáis?"
                ),
                "¿Cómo cambio la tarjeta? La que termina en {last4} caducó el mes pasado.",
            ],
        },
        first_replies={
            "en": [
                (
                    "You can update it under Account > Payment > Change card. If the new card is "
                    "declined, please tell me the message you see and I'll check it."
                ),
            ],
            "es": [
                (
                    "Puedes cambiarla en Cuenta > Pago > Cambiar tarjeta. Si la nueva tarjeta da "
                    "error, dime qué mensaje te aparece y lo reviso."
                ),
            ],
        },
        follow_ups={
            "en": ['It says "Your bank declined the payment" but the bank says all is fine.'],
            "es": ["Pone «Tu banco ha rechazado el pago», pero el banco dice que todo está bien."],
        },
        resolutions={
            "en": [
                (
                    "The old card was still set as default, so renewal kept trying it. I removed "
                    "it and retried with the new one: your {plan} plan is active again."
                ),
            ],
            "es": [
                (
                    "La tarjeta antigua seguía como predeterminada y la renovación la usaba. La "
                    "he quitado y he reintentado el cobro: tu plan {plan} vuelve a estar activo."
                ),
            ],
        },
        notes={
            "en": ["Default payment method was stale; removed manually."],
            "es": ["El método de pago predeterminado era el antiguo; eliminado a mano."],
        },
    ),
    Topic(
        key="upgrade_family",
        team="billing",
        plans=("individual", "duo"),
        tags=("billing", "plan-change", "family"),
        priorities=("normal", "low", "low"),
        subjects={
            "en": ["Upgrade to Family plan", "Switching from Duo to Family"],
            "es": ["Pasar al plan Familiar", "Cambiar de Dúo a Familiar"],
        },
        openings={
            "en": [
                (
                    "We'd like to move from {plan} to Family so my kids can have their own "
                    "accounts. Do we lose our playlists? And what happens to this month's payment?"
                ),
            ],
            "es": [
                (
                    "Queremos pasar del plan {plan} al Familiar para que mis hijos tengan su "
                    "cuenta. ¿Se pierden las listas? ¿Y qué pasa con el pago de este mes?"
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Good news: playlists stay exactly as they are. The price difference is "
                    "prorated for the rest of this month. You can upgrade under Account > Plan."
                ),
            ],
            "es": [
                (
                    "Buenas noticias: las listas se quedan tal cual. La diferencia de precio se "
                    "prorratea lo que queda de mes. Puedes cambiarlo en Cuenta > Plan."
                ),
            ],
        },
        follow_ups={
            "en": ["Done! How do I invite the kids?"],
            "es": ["¡Hecho! ¿Cómo invito a los niños?"],
        },
        resolutions={
            "en": [
                (
                    'Under Account > Family, tap "Invite member" and send them the link. Each '
                    "member needs to live at the same address. Enjoy!"
                ),
            ],
            "es": [
                (
                    "En Cuenta > Familia, pulsa «Invitar a un miembro» y envíales el enlace. "
                    "Todos deben vivir en la misma dirección. ¡Que lo disfrutéis!"
                ),
            ],
        },
        notes={
            "en": ["Proration checked: credit of the unused {plan} days applied."],
            "es": ["Prorrateo revisado: aplicado el crédito de los días no usados del {plan}."],
        },
    ),
    Topic(
        key="student_verification",
        team="billing",
        plans=("student",),
        tags=("billing", "student"),
        priorities=NORMAL,
        subjects={
            "en": ["Student verification failed", "Can't verify my student status"],
            "es": ["No puedo verificar que soy estudiante", "Falla la verificación de estudiante"],
        },
        openings={
            "en": [
                (
                    "I'm enrolled at university but the student verification keeps saying my "
                    "school isn't recognised. I uploaded my enrolment letter twice."
                ),
            ],
            "es": [
                (
                    "Estoy matriculado en la universidad pero la verificación de estudiante dice "
                    "que mi centro no está reconocido. He subido la matrícula dos veces."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Thanks for your patience. Could you tell me the exact name of your school "
                    "and the email address you use there?"
                ),
            ],
            "es": [
                (
                    "Gracias por la paciencia. ¿Me dices el nombre exacto de tu universidad y el "
                    "correo que usas allí?"
                ),
            ],
        },
        follow_ups={
            "en": ["It's the College of Arts, I use my school email ending in .edu."],
            "es": ["Es la Universidad de Salamanca, uso el correo que termina en @usal.es."],
        },
        resolutions={
            "en": [
                (
                    "Your school was listed under a different name. I verified you manually: the "
                    "Student plan ({price}) is now active for 12 months."
                ),
            ],
            "es": [
                (
                    "Tu universidad figuraba con otro nombre. Te he verificado a mano: el plan "
                    "Estudiantes ({price}) queda activo 12 meses."
                ),
            ],
        },
        notes={
            "en": ["School missing from the verification provider's list; reported to them."],
            "es": ["Centro ausente de la lista del proveedor de verificación; avisado."],
        },
    ),
    Topic(
        key="playback_android",
        team="technical",
        tags=("playback", "android"),
        priorities=NORMAL,
        platform="android",
        subjects={
            "en": ["Songs stop after a few seconds on Android", "Playback error on my phone"],
            "es": ["Las canciones se cortan en Android", "Error de reproducción en el móvil"],
        },
        openings={
            "en": [
                (
                    "On my {device} every song stops after about 10 seconds and shows "
                    '"Something went wrong ({error})". App version {version}.'
                ),
                (
                    "Since the last update Sonora won't play anything on my {device}. Wi-Fi and "
                    "mobile data both fail with {error}."
                ),
            ],
            "es": [
                (
                    "En mi {device} todas las canciones se paran a los 10 segundos y sale «Algo "
                    "ha fallado ({error})». Versión de la app {version}."
                ),
                (
                    "Desde la última actualización Sonora no reproduce nada en mi {device}. Falla "
                    "con wifi y con datos: {error}."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Sorry about this! Please try: Settings > Storage > Clear cache, then restart "
                    "the app. If it still fails, is battery saver on for Sonora?"
                ),
            ],
            "es": [
                (
                    "¡Lo siento! Prueba en Ajustes > Almacenamiento > Borrar caché y reinicia la "
                    "app. Si sigue fallando, ¿tienes activado el ahorro de batería para Sonora?"
                ),
            ],
        },
        follow_ups={
            "en": ["Clearing the cache didn't help, but turning off battery saver did!"],
            "es": ["Borrar la caché no sirvió, ¡pero quitar el ahorro de batería sí!"],
        },
        resolutions={
            "en": [
                (
                    "Great to hear! Version {version} is stricter with battery optimisation; the "
                    "next release fixes it so you can turn it back on."
                ),
            ],
            "es": [
                (
                    "¡Me alegro! La versión {version} choca con la optimización de batería; la "
                    "próxima versión lo corrige y podrás volver a activarla."
                ),
            ],
        },
        notes={
            "en": ["Known issue with {version} + battery optimisation, see incident board."],
            "es": ["Problema conocido de la {version} con la optimización de batería."],
        },
    ),
    Topic(
        key="playback_ios",
        team="technical",
        tags=("playback", "ios"),
        priorities=NORMAL,
        platform="ios",
        subjects={
            "en": ["App crashes on iPhone", "No sound on iOS"],
            "es": ["La app se cierra en el iPhone", "No hay sonido en iOS"],
        },
        openings={
            "en": [
                (
                    "Sonora crashes as soon as I press play on my {device}. I reinstalled it "
                    "already. Version {version}."
                ),
            ],
            "es": [
                (
                    "Sonora se cierra en cuanto le doy al play en mi {device}. Ya la he "
                    "reinstalado. Versión {version}."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Thanks for the details. Could you check whether iOS is up to date, and try "
                    "signing out and back in?"
                ),
            ],
            "es": [
                (
                    "Gracias por los detalles. ¿Puedes comprobar que iOS está actualizado y "
                    "probar a cerrar sesión y volver a entrar?"
                ),
            ],
        },
        follow_ups={
            "en": ["iOS is updated, signed out and in, still crashing."],
            "es": ["iOS está al día, he cerrado sesión y entrado otra vez, y sigue cerrándose."],
        },
        resolutions={
            "en": [
                (
                    "Thanks for testing. Our developers found the cause (a corrupt offline "
                    "file); version 8.10.2 fixes it and is now on the App Store."
                ),
            ],
            "es": [
                (
                    "Gracias por probar. Los desarrolladores han encontrado la causa (un archivo "
                    "sin conexión dañado); la versión 8.10.2 lo corrige y ya está en la App Store."
                ),
            ],
        },
        notes={
            "en": ["Crash log attached by customer matches bug #4821."],
            "es": ["El registro del cierre coincide con el fallo #4821."],
        },
    ),
    Topic(
        key="playback_desktop",
        team="technical",
        tags=("playback", "desktop"),
        priorities=NORMAL,
        platform="desktop",
        subjects={
            "en": ["Desktop app stuck on loading", "Web player won't play"],
            "es": ["La app de escritorio se queda cargando", "El reproductor web no funciona"],
        },
        openings={
            "en": [
                (
                    "The desktop app on {os} just shows a spinning circle. The web player works. "
                    "I get {error} in the corner."
                ),
            ],
            "es": [
                (
                    "La app de escritorio en {os} se queda con el círculo girando. El reproductor "
                    "web sí funciona. Abajo sale {error}."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Please quit the app, delete the Sonora cache folder (Settings > Storage > "
                    "Open cache folder) and start it again. Are you behind a company firewall?"
                ),
            ],
            "es": [
                (
                    "Cierra la app, borra la carpeta de caché (Ajustes > Almacenamiento > Abrir "
                    "carpeta de caché) y vuelve a abrirla. ¿Estás detrás del cortafuegos de una "
                    "empresa?"
                ),
            ],
        },
        follow_ups={
            "en": ["Yes, it's my work laptop. At home it works fine."],
            "es": ["Sí, es el portátil del trabajo. En casa funciona bien."],
        },
        resolutions={
            "en": [
                (
                    "That explains it: the firewall blocks our streaming servers. Your IT team "
                    "can allow *.sonora-cdn.example; until then the web player is the way to go."
                ),
            ],
            "es": [
                (
                    "Eso lo explica: el cortafuegos bloquea nuestros servidores. Tu equipo de "
                    "informática puede permitir *.sonora-cdn.example; mientras, usa el reproductor "
                    "web."
                ),
            ],
        },
        notes={
            "en": ["Corporate proxy strips range headers; nothing to fix on our side."],
            "es": ["El proxy corporativo elimina las cabeceras Range; nada que arreglar aquí."],
        },
    ),
    Topic(
        key="offline_downloads",
        team="technical",
        tags=("downloads", "offline"),
        priorities=NORMAL,
        platform="android",
        subjects={
            "en": ["Downloaded songs disappeared", "Offline downloads not working"],
            "es": ["Han desaparecido las descargas", "No funcionan las descargas sin conexión"],
        },
        openings={
            "en": [
                (
                    "I downloaded 300 songs for a flight and on the plane my {device} said they "
                    "weren't available offline. Very frustrating."
                ),
            ],
            "es": [
                (
                    "Descargué 300 canciones para un vuelo y en el avión mi {device} decía que no "
                    "estaban disponibles sin conexión. Muy frustrante."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "I'm sorry about your flight! Downloads need the app to go online once every "
                    "30 days. When did you last open Sonora with a connection?"
                ),
            ],
            "es": [
                (
                    "¡Siento lo del vuelo! Las descargas necesitan que la app se conecte una vez "
                    "cada 30 días. ¿Cuándo abriste Sonora con conexión por última vez?"
                ),
            ],
        },
        follow_ups={
            "en": ["Probably more than a month ago, I mostly listen offline."],
            "es": ["Seguramente hace más de un mes, casi siempre escucho sin conexión."],
        },
        resolutions={
            "en": [
                (
                    "That's it, then. Open the app online once and the downloads come back "
                    "without downloading again. I've added a month of {plan} as an apology."
                ),
            ],
            "es": [
                (
                    "Entonces es eso. Abre la app con conexión una vez y las descargas vuelven "
                    "sin descargarlas de nuevo. Te he añadido un mes de {plan} como disculpa."
                ),
            ],
        },
        notes={
            "en": ["Goodwill: one free month applied."],
            "es": ["Compensación: un mes gratis aplicado."],
        },
    ),
    Topic(
        key="login_2fa",
        team="accounts",
        tags=("login", "2fa"),
        priorities=("normal", "high", "high"),
        subjects={
            "en": ["Not receiving 2FA code", "Can't log in, verification code never arrives"],
            "es": ["No me llega el código de verificación", "No puedo iniciar sesión"],
        },
        openings={
            "en": [
                (
                    "I changed phones and now the two-factor code never arrives by SMS. I can't "
                    "log in on my new {device}."
                ),
            ],
            "es": [
                (
                    "He cambiado de móvil y ahora no me llega el SMS con el código de doble "
                    "factor. No puedo entrar en el {device} nuevo."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "I can help with that. For security, please reply from the email on the "
                    "account and tell me the approximate date you created it."
                ),
            ],
            "es": [
                (
                    "Te ayudo. Por seguridad, respóndeme desde el correo de la cuenta e indícame "
                    "más o menos cuándo la creaste."
                ),
            ],
        },
        follow_ups={
            "en": ["This is the account email. I created it around 2019."],
            "es": ["Este es el correo de la cuenta. La creé hacia 2019."],
        },
        resolutions={
            "en": [
                (
                    "Thanks, verified. I reset two-factor authentication: sign in with your "
                    "password and set it up again on the new phone."
                ),
            ],
            "es": [
                (
                    "Gracias, verificado. He restablecido la verificación en dos pasos: entra con "
                    "tu contraseña y vuelve a configurarla en el móvil nuevo."
                ),
            ],
        },
        notes={
            "en": ["Identity verified by email + creation year; 2FA reset."],
            "es": ["Identidad verificada por correo y año de alta; 2FA restablecido."],
        },
    ),
    Topic(
        key="account_hacked",
        team="accounts",
        tags=("security", "account-takeover"),
        priorities=("urgent", "urgent", "high"),
        subjects={
            "en": ["Someone hacked my account", "Strange playlists and changed email"],
            "es": ["Me han hackeado la cuenta", "Listas raras y han cambiado mi correo"],
        },
        openings={
            "en": [
                (
                    "There are playlists in my account I didn't make and someone is playing music "
                    "in another country. I think I've been hacked!"
                ),
            ],
            "es": [
                (
                    "Aparecen listas que no he creado y alguien está escuchando música desde otro "
                    "país. ¡Creo que me han hackeado la cuenta!"
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "I've signed you out everywhere and locked the account for now. Please "
                    "reset your password from the link we just emailed you."
                ),
            ],
            "es": [
                (
                    "He cerrado tu sesión en todos los dispositivos y he bloqueado la cuenta de "
                    "momento. Cambia la contraseña desde el enlace que te hemos enviado."
                ),
            ],
        },
        follow_ups={
            "en": ["Done, new password set. Can you remove the playlists they made?"],
            "es": ["Hecho, contraseña nueva. ¿Podéis borrar las listas que crearon?"],
        },
        resolutions={
            "en": [
                (
                    "I've removed the 4 playlists created from the other device and turned on "
                    "two-factor authentication. Your account is secure again."
                ),
            ],
            "es": [
                (
                    "He borrado las 4 listas creadas desde el otro dispositivo y he activado la "
                    "verificación en dos pasos. Tu cuenta vuelve a estar segura."
                ),
            ],
        },
        notes={
            "en": ["Logins from an unknown IP range; password reused from a leaked site."],
            "es": ["Accesos desde IPs desconocidas; contraseña reutilizada de una filtración."],
        },
    ),
    Topic(
        key="cancel",
        team="accounts",
        tags=("cancellation",),
        priorities=("normal", "low"),
        subjects={
            "en": ["Cancel my subscription", "How do I cancel?"],
            "es": ["Quiero darme de baja", "¿Cómo cancelo la suscripción?"],
        },
        openings={
            "en": [
                (
                    "Please cancel my {plan} subscription at the end of this billing period. I "
                    "can't find the button in the app."
                ),
            ],
            "es": [
                (
                    "Por favor, cancelad mi suscripción {plan} al final del periodo de "
                    "facturación. No encuentro el botón en la app."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Sorry to see you go! Cancelling is only possible on the website: Account > "
                    "Plan > Cancel. Would a pause of up to 3 months help instead?"
                ),
            ],
            "es": [
                (
                    "¡Qué pena que te vayas! Solo se puede cancelar en la web: Cuenta > Plan > "
                    "Cancelar. ¿Te vendría mejor pausarla hasta 3 meses?"
                ),
            ],
        },
        follow_ups={
            "en": ["No thanks, please just cancel it."],
            "es": ["No, gracias, cancelad la suscripción."],
        },
        resolutions={
            "en": [
                (
                    "Done: your {plan} plan ends on {date} and you'll switch to Free with your "
                    "playlists kept. You won't be charged again."
                ),
            ],
            "es": [
                (
                    "Hecho: tu plan {plan} termina el {date} y pasarás a Gratis conservando tus "
                    "listas. No se te cobrará nada más."
                ),
            ],
        },
        notes={
            "en": ["Offered pause; declined. Cancelled at period end."],
            "es": ["Ofrecida la pausa; no la quiere. Cancelado al final del periodo."],
        },
    ),
    Topic(
        key="refund",
        team="billing",
        tags=("billing", "refund"),
        priorities=("normal", "high"),
        subjects={
            "en": ["Refund request", "Charged after cancelling"],
            "es": ["Solicitud de reembolso", "Me cobrasteis después de cancelar"],
        },
        openings={
            "en": [
                (
                    "I cancelled on {date} but was still charged {price} today. I'd like a "
                    "refund, I haven't used it since."
                ),
            ],
            "es": [
                (
                    "Cancelé el {date} y hoy me habéis cobrado {price}. Quiero el reembolso, no "
                    "la he usado desde entonces."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Let me check. It looks like the cancellation was for a different account. "
                    "Do you have another email address registered with us?"
                ),
            ],
            "es": [
                (
                    "Déjame revisarlo. Parece que la cancelación se hizo en otra cuenta. ¿Tienes "
                    "otro correo registrado con nosotros?"
                ),
            ],
        },
        follow_ups={
            "en": ["Oh, yes, my old work email. Sorry!"],
            "es": ["Ah, sí, mi antiguo correo del trabajo. ¡Perdón!"],
        },
        resolutions={
            "en": [
                (
                    "No problem! I cancelled the right account and refunded {price} (reference "
                    "{invoice})."
                ),
            ],
            "es": [
                (
                    "¡No pasa nada! He cancelado la cuenta correcta y te he devuelto {price} "
                    "(referencia {invoice})."
                ),
            ],
        },
        notes={
            "en": ["Two accounts for the same person; refund within policy (< 14 days)."],
            "es": ["Dos cuentas de la misma persona; reembolso dentro de política (< 14 días)."],
        },
    ),
    Topic(
        key="podcast_missing",
        team="technical",
        tags=("catalogue", "podcast"),
        priorities=("low", "low", "normal"),
        subjects={
            "en": ["Podcast disappeared", "Can't find a podcast I follow"],
            "es": ["Ha desaparecido un pódcast", "No encuentro un pódcast que sigo"],
        },
        openings={
            "en": [
                (
                    '"{podcast}" vanished from my library and search doesn\'t find it anymore. '
                    "Was it removed?"
                ),
            ],
            "es": [
                (
                    "«{podcast}» ha desaparecido de mi biblioteca y el buscador ya no lo "
                    "encuentra. ¿Lo habéis quitado?"
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    'The publisher moved "{podcast}" to a new feed this week. It should be '
                    "back within 48 hours; I'll keep this open and let you know."
                ),
            ],
            "es": [
                (
                    "La productora ha cambiado «{podcast}» a un feed nuevo esta semana. Debería "
                    "volver en 48 horas; dejo esto abierto y te aviso."
                ),
            ],
        },
        follow_ups={
            "en": ["Thanks, I'll wait."],
            "es": ["Gracias, espero entonces."],
        },
        resolutions={
            "en": ['"{podcast}" is back, with all episodes. Your progress was kept.'],
            "es": ["«{podcast}» ya está de vuelta con todos los episodios y tu progreso."],
        },
        notes={
            "en": ["Feed migration by publisher; catalogue team re-ingested it."],
            "es": ["Migración de feed de la productora; catálogo lo ha vuelto a importar."],
        },
    ),
    Topic(
        key="lyrics",
        team="technical",
        tags=("catalogue", "lyrics"),
        priorities=("low", "low", "normal"),
        subjects={
            "en": ["Lyrics not showing", "Wrong lyrics on a song"],
            "es": ["No salen las letras", "Letra equivocada en una canción"],
        },
        openings={
            "en": [
                (
                    "Lyrics don't show for any song by {artist} anymore, and for one song they "
                    "are from a completely different track."
                ),
            ],
            "es": [
                (
                    "Ya no salen las letras de ninguna canción de {artist}, y en una de ellas la "
                    "letra es de otra canción distinta."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Thanks for flagging it! Which song has the wrong lyrics? I'll pass it to "
                    "our catalogue team."
                ),
            ],
            "es": [
                (
                    "¡Gracias por avisar! ¿En qué canción sale la letra equivocada? Se lo paso "
                    "al equipo de catálogo."
                ),
            ],
        },
        follow_ups={
            "en": ["It's the second song on their latest album."],
            "es": ["Es la segunda canción de su último disco."],
        },
        resolutions={
            "en": ["Fixed! Lyrics for {artist} are back and that song shows the right text."],
            "es": ["¡Arreglado! Vuelven las letras de {artist} y esa canción ya sale bien."],
        },
        notes={
            "en": ["Lyrics licence renewal lapsed for this label for two days."],
            "es": ["La licencia de letras de este sello caducó dos días."],
        },
    ),
    Topic(
        key="chromecast",
        team="technical",
        tags=("casting", "chromecast"),
        priorities=NORMAL,
        platform="android",
        subjects={
            "en": ["Chromecast keeps disconnecting", "Can't cast to my speaker"],
            "es": ["El Chromecast se desconecta", "No puedo enviar música al altavoz"],
        },
        openings={
            "en": [
                (
                    "When I cast from my {device} to {speaker} it plays one song and then "
                    "disconnects. YouTube casts fine."
                ),
            ],
            "es": [
                (
                    "Cuando envío música desde mi {device} a {speaker} suena una canción y se "
                    "desconecta. YouTube funciona bien."
                ),
            ],
        },
        first_replies={
            "en": [
                (
                    "Please make sure the phone and the Chromecast are on the same Wi-Fi band "
                    "(2.4 GHz vs 5 GHz) and restart the Chromecast."
                ),
            ],
            "es": [
                (
                    "Comprueba que el móvil y el Chromecast están en la misma banda wifi (2,4 GHz "
                    "o 5 GHz) y reinicia el Chromecast."
                ),
            ],
        },
        follow_ups={
            "en": ["They were on different bands. Same band now, it still drops sometimes."],
            "es": ["Estaban en bandas distintas. Ahora en la misma, aún se corta a veces."],
        },
        resolutions={
            "en": [
                (
                    'Thanks for trying. Turning off "Device broadcast status" in Sonora '
                    "settings stops the drops; a proper fix ships in 8.10.2."
                ),
            ],
            "es": [
                (
                    "Gracias por probar. Desactivar «Anunciar estado del dispositivo» en los "
                    "ajustes de Sonora evita los cortes; la corrección llega en la 8.10.2."
                ),
            ],
        },
        notes={
            "en": ["Cast session timeout bug, linked to the casting incident."],
            "es": ["Fallo de tiempo de espera al enviar; vinculado a la incidencia de casting."],
        },
    ),
]

# Generic customer messages.
NUDGES = {
    "en": ["Any update on this?", "Hello? Still waiting for an answer.", "Is anyone there?"],
    "es": ["¿Alguna novedad?", "Hola, sigo esperando respuesta.", "¿Hay alguien ahí?"],
}
GREETINGS = {"en": "Hi {first},", "es": "Hola, {first}:"}
SIGN_OFFS = {"en": "Best,\n{agent}\nSonora Support", "es": "Un saludo,\n{agent}\nSoporte Sonora"}
PENDING_ASKS = {
    "en": "Let me know if that works for you.",
    "es": "Cuéntame si te funciona.",
}
