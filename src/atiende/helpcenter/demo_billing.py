"""Sonora demo articles, part 1: plans, billing and payments (English and Spanish)."""

from __future__ import annotations

from atiende.helpcenter.demo_types import Page, Text

# Step texts too long for one line are implicitly concatenated strings.
# ruff: noqa: ISC004
# fmt: off
PLANS = [
    Page(
        "change-plan",
        en=Text(
            "Change your plan",
            "Switch between Individual, Duo, Family and Student plans whenever you like. "
            "**Upgrades** start right away and you pay the difference for the rest of the month; "
            "**downgrades** start on your next billing date, so you keep what you paid for.",
            ["Open **Account** in the Sonora app or at sonora.example/account.",
             "Choose **Your plan**, then **Change plan**.",
             "Pick the new plan and confirm. We email you a receipt."],
            ["How do I upgrade to Family?", "change my subscription plan",
             "switch from Duo to Individual", "I want a cheaper plan"],
        ),
        es=Text(
            "Cambiar de plan",
            "Puedes cambiar entre los planes Individual, Dúo, Familiar y Estudiante cuando "
            "quieras. Las **mejoras** se aplican al instante y pagas la diferencia del resto del "
            "mes; las **bajadas de plan** empiezan en tu próxima fecha de cobro.",
            ["Abre **Cuenta** en la app de Sonora o en sonora.example/account.",
             "Elige **Tu plan** y luego **Cambiar plan**.",
             "Selecciona el nuevo plan y confirma. Te enviamos el recibo por correo."],
            ["¿Cómo paso al plan Familiar?", "cambiar mi plan de suscripción",
             "quiero un plan más barato", "pasar de Dúo a Individual"],
        ),
        related=("family-members", "student", "cancel"),
    ),
    Page(
        "family-members",
        en=Text(
            "Add or remove Family plan members",
            "The Family plan has room for **6 accounts** living at the same address. The plan "
            "manager invites members and can remove them at any time; a removed member keeps "
            "their playlists on a free account.",
            ["Open **Account > Family** as the plan manager.",
             "Choose **Invite member** and send the link, or select a member and **Remove**.",
             "The invited person accepts the link while signed in to their own account."],
            ["How do I add my son to the family plan?", "remove someone from family plan",
             "family invite link not working", "how many people on family"],
        ),
        es=Text(
            "Añadir o quitar miembros del plan Familiar",
            "El plan Familiar admite **6 cuentas** que viven en el mismo domicilio. La persona "
            "que administra el plan invita a los miembros y puede quitarlos cuando quiera; quien "
            "sale conserva sus listas en una cuenta gratuita.",
            ["Abre **Cuenta > Familia** como administrador del plan.",
             "Elige **Invitar miembro** y envía el enlace, o selecciona un miembro y **Quitar**.",
             "La persona invitada acepta el enlace con su propia cuenta iniciada."],
            ["¿Cómo añado a mi hijo al plan familiar?", "quitar a alguien del plan familiar",
             "el enlace de invitación familiar no funciona",
             "cuántas personas caben en el plan familiar"],
        ),
        related=("change-plan",),
    ),
    Page(
        "student",
        en=Text(
            "Verify your student discount",
            "Students at an accredited college or university pay half price for up to 4 years. "
            "We verify enrolment through our partner once a year; you need your school email "
            "address or a document showing your current enrolment.",
            ["Open **Account > Your plan > Student**.",
             "Enter your school and your school email address.",
             "Open the verification email and follow the link. If you have no school email, "
             "upload a photo of your enrolment document."],
            ["student discount verification failed", "How do I get the student price?",
             "reverify student plan", "my university email does not work"],
        ),
        es=Text(
            "Verificar tu descuento de estudiante",
            "Si estudias en una universidad o centro acreditado pagas la mitad durante un máximo "
            "de 4 años. Verificamos la matrícula una vez al año; necesitas el correo de tu centro "
            "o un documento que acredite la matrícula actual.",
            ["Abre **Cuenta > Tu plan > Estudiante**.",
             "Indica tu centro y tu correo electrónico del centro.",
             "Abre el correo de verificación y sigue el enlace. Si no tienes correo del centro, "
             "sube una foto de tu matrícula."],
            ["falló la verificación de estudiante", "¿Cómo consigo el precio de estudiante?",
             "volver a verificar el plan estudiante", "mi correo de la universidad no funciona"],
        ),
        related=("change-plan",),
    ),
    Page(
        "cancel",
        en=Text(
            "Cancel your subscription",
            "You can cancel at any time. Premium stays active until the end of the period you "
            "already paid for, then your account becomes free: your playlists and downloads list "
            "are kept, but downloaded music stops playing offline.",
            ["Open **Account > Your plan**.",
             "Choose **Cancel subscription** and tell us why (optional).",
             "Confirm. You get an email with the date Premium ends."],
            ["how do I cancel", "stop my subscription", "cancel premium",
             "I don't want to be charged again"],
        ),
        es=Text(
            "Cancelar tu suscripción",
            "Puedes cancelar cuando quieras. Premium sigue activo hasta el final del periodo que "
            "ya pagaste y después tu cuenta pasa a ser gratuita: conservas tus listas, pero la "
            "música descargada deja de sonar sin conexión.",
            ["Abre **Cuenta > Tu plan**.",
             "Elige **Cancelar suscripción** y cuéntanos el motivo (opcional).",
             "Confirma. Recibirás un correo con la fecha en que termina Premium."],
            ["¿cómo cancelo?", "dar de baja mi suscripción", "cancelar premium",
             "no quiero que me vuelvan a cobrar"],
        ),
        related=("refund", "change-plan"),
    ),
]

PAYMENTS = [
    Page(
        "payment-failed",
        en=Text(
            "Your payment failed",
            "When a payment fails we try again after 3 and 7 days and keep Premium active for "
            "those 7 days. The most common causes are an expired card, insufficient funds or a "
            "bank that blocks online or foreign payments.",
            ["Check the card's expiry date and that it has funds.",
             "Update your card in **Account > Payment** (see *Update your payment card*).",
             "If it still fails, ask your bank to allow payments to Sonora, then choose "
             "**Retry payment**."],
            ["my payment failed", "card declined", "why was my payment rejected",
             "payment did not go through", "Premium paused because of payment"],
        ),
        es=Text(
            "Tu pago ha fallado",
            "Cuando un pago falla lo reintentamos a los 3 y a los 7 días y mantenemos Premium "
            "activo durante esos 7 días. Las causas más comunes son una tarjeta caducada, falta "
            "de saldo o un banco que bloquea pagos en línea o en el extranjero.",
            ["Comprueba la fecha de caducidad de la tarjeta y que tenga saldo.",
             "Actualiza la tarjeta en **Cuenta > Pago** (consulta *Actualizar tu tarjeta*).",
             "Si sigue fallando, pide a tu banco que permita los pagos a Sonora y elige "
             "**Reintentar pago**."],
            ["mi pago ha fallado", "tarjeta rechazada", "¿por qué rechazaron mi pago?",
             "el cobro no se realizó", "Premium en pausa por un pago"],
        ),
        related=("update-card",),
    ),
    Page(
        "update-card",
        en=Text(
            "Update your payment card",
            "Change the card or PayPal account we charge. The new method is used from your next "
            "payment; if a payment has failed, we retry it right away. Sonora support will "
            "**never** ask you for your card number in a message.",
            ["Open **Account > Payment**.",
             "Choose **Change payment method** and enter the new card, or connect PayPal.",
             "Save. The old card is removed from your account."],
            ["how to change my credit card", "update payment method", "new card details",
             "replace expired card"],
        ),
        es=Text(
            "Actualizar tu tarjeta de pago",
            "Cambia la tarjeta o la cuenta de PayPal con la que pagas. El nuevo método se usa "
            "desde el próximo pago; si un pago falló, lo reintentamos al momento. El soporte de "
            "Sonora **nunca** te pedirá el número de tarjeta en un mensaje.",
            ["Abre **Cuenta > Pago**.",
             "Elige **Cambiar método de pago** e introduce la nueva tarjeta, o conecta PayPal.",
             "Guarda. La tarjeta anterior se elimina de tu cuenta."],
            ["cómo cambio mi tarjeta de crédito", "actualizar el método de pago",
             "nueva tarjeta", "reemplazar tarjeta caducada"],
        ),
        related=("payment-failed",),
    ),
    Page(
        "refund",
        sensitive=True,
        en=Text(
            "Request a refund",
            "Refunds are decided by our billing team, who check each request against our refund "
            "policy: for example, a charge after you cancelled, or a double charge. Send us a "
            "request and a person will answer within 2 working days.",
            ["Open the **Help form** and choose the subject *Refund*.",
             "Tell us the date and amount of the charge (never your full card number).",
             "We answer by email; approved refunds reach your card in 5-10 days."],
            ["I want my money back", "refund my last payment", "charged twice",
             "charged after cancelling"],
        ),
        es=Text(
            "Solicitar un reembolso",
            "Los reembolsos los decide nuestro equipo de facturación, que revisa cada solicitud "
            "según nuestra política: por ejemplo, un cobro después de cancelar o un cobro doble. "
            "Envíanos la solicitud y una persona te responderá en 2 días laborables.",
            ["Abre el **formulario de ayuda** y elige el asunto *Reembolso*.",
             "Indica la fecha y el importe del cobro (nunca el número completo de la tarjeta).",
             "Te respondemos por correo; los reembolsos aprobados llegan en 5-10 días."],
            ["quiero que me devuelvan el dinero", "reembolso de mi último pago",
             "me cobraron dos veces", "me cobraron después de cancelar"],
        ),
        related=("cancel",),
    ),
    Page(
        "billing-date",
        en=Text(
            "Understand your charges and billing date",
            "You are charged on the same day each month: the day you started Premium. Your "
            "receipts list the plan, taxes and any credit applied. Family and Duo plans are "
            "charged to the plan manager only.",
            ["Open **Account > Receipts** to see every charge.",
             "Select a receipt to download it as PDF.",
             "Your next billing date is shown under **Your plan**."],
            ["when will I be charged", "what is this charge", "download invoice",
             "unknown charge from Sonora"],
        ),
        es=Text(
            "Entender tus cobros y la fecha de facturación",
            "Te cobramos el mismo día cada mes: el día en que empezaste Premium. Los recibos "
            "muestran el plan, los impuestos y cualquier crédito aplicado. En los planes "
            "Familiar y Dúo solo se cobra a quien administra el plan.",
            ["Abre **Cuenta > Recibos** para ver todos los cobros.",
             "Selecciona un recibo para descargarlo en PDF.",
             "Tu próxima fecha de cobro aparece en **Tu plan**."],
            ["¿cuándo me cobran?", "¿qué es este cargo?", "descargar factura",
             "cargo desconocido de Sonora"],
        ),
        related=("refund", "payment-failed"),
    ),
]
# fmt: on
