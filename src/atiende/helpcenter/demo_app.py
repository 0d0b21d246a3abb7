"""Sonora demo articles, part 2: the app (playback, downloads, devices, library) and the
account (sign-in, password, security), in English and Spanish."""

from __future__ import annotations

from atiende.helpcenter.demo_types import Page, Text

# Step texts too long for one line are implicitly concatenated strings.
# ruff: noqa: ISC004
# fmt: off
PLAYBACK = [
    Page(
        "playback-errors",
        en=Text(
            "Fix playback errors",
            "If songs stop, skip or show *Something went wrong*, the cause is usually the "
            "connection, a full device or an outdated app. These steps fix most cases.",
            ["Check your connection: open a web page, or switch between Wi-Fi and mobile data.",
             "Update the Sonora app to the latest version.",
             "Free at least 1 GB of space on the device, then restart it.",
             "Still failing? Sign out and in again, then contact us with the song's name."],
            ["songs keep stopping", "playback error something went wrong",
             "music skips", "the app won't play anything"],
        ),
        es=Text(
            "Solucionar errores de reproducción",
            "Si las canciones se detienen, saltan o aparece *Algo salió mal*, la causa suele ser "
            "la conexión, un dispositivo sin espacio o una app desactualizada. Estos pasos "
            "resuelven la mayoría de los casos.",
            ["Comprueba la conexión: abre una página web o cambia entre Wi-Fi y datos móviles.",
             "Actualiza la app de Sonora a la última versión.",
             "Libera al menos 1 GB de espacio en el dispositivo y reinícialo.",
             "¿Sigue fallando? Cierra sesión y vuelve a entrar; después escríbenos con el "
             "nombre de la canción."],
            ["las canciones se paran", "error de reproducción algo salió mal",
             "la música se salta", "la app no reproduce nada"],
        ),
        related=("offline", "devices"),
    ),
    Page(
        "offline",
        en=Text(
            "Download music to listen offline",
            "With Premium you can download up to 10,000 songs on each of 5 devices. Downloads "
            "stay playable offline for **30 days**; go online once a month to keep them.",
            ["Open a playlist, album or podcast.",
             "Turn on **Download** (the arrow icon).",
             "Wait for the green arrow: the music now plays without a connection."],
            ["how do I download songs", "listen without internet", "offline mode",
             "downloads disappeared"],
        ),
        es=Text(
            "Descargar música para escuchar sin conexión",
            "Con Premium puedes descargar hasta 10.000 canciones en cada uno de 5 dispositivos. "
            "Las descargas se pueden escuchar sin conexión durante **30 días**; conéctate una "
            "vez al mes para conservarlas.",
            ["Abre una lista, un álbum o un pódcast.",
             "Activa **Descargar** (el icono de la flecha).",
             "Espera a que la flecha se ponga verde: la música ya suena sin conexión."],
            ["¿cómo descargo canciones?", "escuchar sin internet", "modo sin conexión",
             "mis descargas desaparecieron"],
        ),
        related=("devices", "playback-errors"),
    ),
    Page(
        "devices",
        en=Text(
            "Sync your library across devices",
            "Your playlists, likes and downloads list follow your account to every device where "
            "you are signed in. If a device shows an old library, it is usually signed in to "
            "another account or offline.",
            ["Check the account name in **Settings** on each device: it must be the same.",
             "Connect the device to the internet and open **Your library** to refresh it.",
             "Remove devices you no longer use in **Account > Devices** (limit: 5 for downloads)."],
            ["playlists not syncing", "my phone and laptop show different playlists",
             "device limit reached", "sync between devices"],
        ),
        es=Text(
            "Sincronizar tu biblioteca entre dispositivos",
            "Tus listas, favoritos y descargas te siguen a todos los dispositivos donde hayas "
            "iniciado sesión. Si un dispositivo muestra una biblioteca antigua, normalmente está "
            "en otra cuenta o sin conexión.",
            ["Comprueba el nombre de la cuenta en **Ajustes** de cada dispositivo: debe ser el "
             "mismo.",
             "Conecta el dispositivo a internet y abre **Tu biblioteca** para actualizarla.",
             "Quita los dispositivos que ya no uses en **Cuenta > Dispositivos** (límite: 5 "
             "para descargas)."],
            ["las listas no se sincronizan", "el móvil y el portátil muestran listas distintas",
             "límite de dispositivos alcanzado", "sincronizar entre dispositivos"],
        ),
        related=("offline",),
    ),
    Page(
        "audio-quality",
        en=Text(
            "Change the audio quality",
            "Choose how music sounds and how much data it uses. *Automatic* adapts to your "
            "connection; *Very high* (320 kbps) is available with Premium.",
            ["Open **Settings > Audio quality**.",
             "Choose a quality for streaming over Wi-Fi, over mobile data, and for downloads."],
            ["music sounds bad", "use less mobile data", "highest sound quality",
             "lossless audio"],
        ),
        es=Text(
            "Cambiar la calidad de audio",
            "Elige cómo suena la música y cuántos datos consume. *Automática* se adapta a tu "
            "conexión; *Muy alta* (320 kbps) está disponible con Premium.",
            ["Abre **Ajustes > Calidad de audio**.",
             "Elige una calidad para Wi-Fi, para datos móviles y para las descargas."],
            ["la música suena mal", "gastar menos datos móviles", "la mejor calidad de sonido",
             "audio sin pérdidas"],
        ),
        related=("playback-errors",),
    ),
    Page(
        "speakers",
        en=Text(
            "Play on speakers and TVs",
            "Use **Sonora Connect** to play on speakers, TVs and game consoles on the same Wi-Fi "
            "network, and control playback from your phone.",
            ["Connect your phone and the speaker to the same Wi-Fi network.",
             "Start a song and tap the **Devices** icon.",
             "Choose the speaker. If it is missing, restart the speaker and the app."],
            ["speaker not showing up", "play on my TV", "cast to speaker",
             "Connect does not find my device"],
        ),
        es=Text(
            "Reproducir en altavoces y televisores",
            "Usa **Sonora Connect** para reproducir en altavoces, televisores y consolas de la "
            "misma red Wi-Fi y controlar la música desde el móvil.",
            ["Conecta el móvil y el altavoz a la misma red Wi-Fi.",
             "Pon una canción y toca el icono **Dispositivos**.",
             "Elige el altavoz. Si no aparece, reinicia el altavoz y la app."],
            ["el altavoz no aparece", "reproducir en mi televisor", "enviar al altavoz",
             "Connect no encuentra mi dispositivo"],
        ),
        related=("devices",),
    ),
]

LIBRARY = [
    Page(
        "recover-playlist",
        en=Text(
            "Recover a deleted playlist",
            "Deleted playlists can be restored for 90 days, with all their songs.",
            ["Sign in at sonora.example/account on a computer.",
             "Open **Recover playlists**.",
             "Choose **Restore** next to the playlist. It reappears in your library."],
            ["I deleted my playlist by mistake", "playlist is gone", "restore playlist",
             "my playlist disappeared"],
        ),
        es=Text(
            "Recuperar una lista eliminada",
            "Las listas eliminadas se pueden restaurar durante 90 días, con todas sus canciones.",
            ["Inicia sesión en sonora.example/account desde un ordenador.",
             "Abre **Recuperar listas**.",
             "Elige **Restaurar** junto a la lista. Vuelve a aparecer en tu biblioteca."],
            ["borré mi lista sin querer", "mi lista ha desaparecido", "restaurar lista",
             "recuperar playlist borrada"],
        ),
        related=("devices",),
    ),
    Page(
        "share-playlist",
        en=Text(
            "Share a playlist or make it collaborative",
            "Share any playlist with a link. Make it **collaborative** and the friends you invite "
            "can add, remove and reorder songs too.",
            ["Open the playlist and tap **⋯**.",
             "Choose **Share** to copy the link, or **Invite collaborators**.",
             "Send the link. Anyone with it can listen; collaborators can edit."],
            ["how do I share a playlist", "let my friend add songs to my playlist",
             "collaborative playlist", "playlist link"],
        ),
        es=Text(
            "Compartir una lista o hacerla colaborativa",
            "Comparte cualquier lista con un enlace. Hazla **colaborativa** y las personas que "
            "invites también podrán añadir, quitar y ordenar canciones.",
            ["Abre la lista y toca **⋯**.",
             "Elige **Compartir** para copiar el enlace, o **Invitar colaboradores**.",
             "Envía el enlace. Quien lo tenga puede escucharla; los colaboradores pueden "
             "editarla."],
            ["¿cómo comparto una lista?", "que mi amigo añada canciones a mi lista",
             "lista colaborativa", "enlace de la lista"],
        ),
        related=("recover-playlist",),
    ),
]

SIGN_IN = [
    Page(
        "login",
        en=Text(
            "Can't sign in",
            "Most sign-in problems come from using a different sign-in method than when you "
            "created the account (email, Google or Apple), or a typo in the email address.",
            ["Try each sign-in method you might have used: email, Google, Apple.",
             "Check the email address for typos and that Caps Lock is off.",
             "Still stuck? Reset your password (see *Reset your password*)."],
            ["I can't log in", "login not working", "forgot which email I used",
             "it says my account does not exist"],
        ),
        es=Text(
            "No puedo iniciar sesión",
            "La mayoría de los problemas de acceso vienen de usar un método distinto al que "
            "usaste al crear la cuenta (correo, Google o Apple) o de una errata en el correo.",
            ["Prueba cada método que puedas haber usado: correo, Google, Apple.",
             "Revisa que el correo no tenga erratas y que las mayúsculas no estén activadas.",
             "¿Sigues sin poder? Restablece tu contraseña (consulta *Restablecer tu "
             "contraseña*)."],
            ["no puedo entrar en mi cuenta", "el inicio de sesión no funciona",
             "no sé qué correo usé", "dice que mi cuenta no existe"],
        ),
        related=("password", "security"),
    ),
    Page(
        "password",
        en=Text(
            "Reset your password",
            "We email you a link to choose a new password. The link works once, for 1 hour.",
            ["Open the sign-in page and choose **Forgot your password?**.",
             "Enter your account's email address.",
             "Open our email and choose a new password of at least 10 characters."],
            ["forgot my password", "reset password email not arriving",
             "change my password", "password link expired"],
        ),
        es=Text(
            "Restablecer tu contraseña",
            "Te enviamos un enlace por correo para elegir una contraseña nueva. El enlace "
            "funciona una vez, durante 1 hora.",
            ["Abre la página de inicio de sesión y elige **¿Olvidaste tu contraseña?**.",
             "Escribe el correo de tu cuenta.",
             "Abre nuestro correo y elige una contraseña nueva de al menos 10 caracteres."],
            ["olvidé mi contraseña", "no me llega el correo para restablecer la contraseña",
             "cambiar mi contraseña", "el enlace de contraseña ha caducado"],
        ),
        related=("login", "security"),
    ),
    Page(
        "change-email",
        en=Text(
            "Change your email address",
            "Your email address is where receipts and password links go. Changing it needs your "
            "current password.",
            ["Open **Account > Profile**.",
             "Enter the new email address and your password.",
             "Confirm the change from the email we send to the new address."],
            ["update my email", "change account email", "I no longer use my old email"],
        ),
        es=Text(
            "Cambiar tu correo electrónico",
            "Tu correo es donde llegan los recibos y los enlaces de contraseña. Para cambiarlo "
            "necesitas tu contraseña actual.",
            ["Abre **Cuenta > Perfil**.",
             "Escribe el correo nuevo y tu contraseña.",
             "Confirma el cambio desde el correo que enviamos a la nueva dirección."],
            ["actualizar mi correo", "cambiar el correo de la cuenta",
             "ya no uso mi correo antiguo"],
        ),
        related=("password",),
    ),
]

SECURITY = [
    Page(
        "security",
        sensitive=True,
        en=Text(
            "Secure a hacked account",
            "If you see playlists, devices or sign-ins you don't recognise, someone may be using "
            "your account. Act now: our security team reviews every report personally.",
            ["Reset your password at once (see *Reset your password*).",
             "Choose **Account > Devices > Sign out everywhere**.",
             "Contact us with the Help form, subject *Account security*; we never ask for your "
             "password or card number."],
            ["someone hacked my account", "strange playlists in my account",
             "unknown device signed in", "my email was changed without me"],
        ),
        es=Text(
            "Proteger una cuenta hackeada",
            "Si ves listas, dispositivos o inicios de sesión que no reconoces, alguien puede "
            "estar usando tu cuenta. Actúa ya: nuestro equipo de seguridad revisa cada caso "
            "personalmente.",
            ["Restablece tu contraseña enseguida (consulta *Restablecer tu contraseña*).",
             "Elige **Cuenta > Dispositivos > Cerrar sesión en todas partes**.",
             "Escríbenos con el formulario de ayuda, asunto *Seguridad de la cuenta*; nunca te "
             "pediremos la contraseña ni el número de tarjeta."],
            ["me han hackeado la cuenta", "listas extrañas en mi cuenta",
             "un dispositivo desconocido inició sesión", "cambiaron mi correo sin permiso"],
        ),
        related=("password", "two-step"),
    ),
    Page(
        "two-step",
        sensitive=True,
        en=Text(
            "Turn on two-step verification",
            "Two-step verification asks for a code from your phone when you sign in on a new "
            "device, so a stolen password is not enough to get into your account.",
            ["Open **Account > Security**.",
             "Choose **Two-step verification** and scan the code with an authenticator app.",
             "Save the backup codes somewhere safe."],
            ["enable 2FA", "two factor authentication", "lost my authenticator phone"],
        ),
        es=Text(
            "Activar la verificación en dos pasos",
            "La verificación en dos pasos pide un código de tu móvil cuando inicias sesión en un "
            "dispositivo nuevo: una contraseña robada no basta para entrar en tu cuenta.",
            ["Abre **Cuenta > Seguridad**.",
             "Elige **Verificación en dos pasos** y escanea el código con una app de "
             "autenticación.",
             "Guarda los códigos de respaldo en un lugar seguro."],
            ["activar 2FA", "autenticación en dos factores", "perdí el móvil con el autenticador"],
        ),
        related=("security",),
    ),
]
# fmt: on
