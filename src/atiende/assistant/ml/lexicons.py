"""Cue words and phrases for `signals.py`, accent-folded and lower-case, per language
(en, es, pt, fr). Weights: how strongly a word pulls sentiment (0.5 mild .. 2 strong)."""

from __future__ import annotations


def _weights(spec: str) -> dict[str, float]:
    """'word:weight word2 ...' (weight 1 when omitted)."""
    result: dict[str, float] = {}
    for item in spec.split():
        word, _, weight = item.partition(":")
        result[word] = float(weight) if weight else 1.0
    return result


POSITIVE: dict[str, dict[str, float]] = {
    "en": _weights(
        "thanks:0.6 thank:0.6 great:1.2 excellent:1.5 awesome:1.5 perfect:1.2 love:1.2 "
        "happy:1 glad:1 helpful:1 appreciate:1 appreciated:1 amazing:1.5 wonderful:1.5 good:0.6 "
        "nice:0.6 resolved:0.6 solved:0.6 fantastic:1.5 pleased:1 brilliant:1.2 works:0.4"
    ),
    "es": _weights(
        "gracias:0.6 genial:1.2 excelente:1.5 perfecto:1.2 encanta:1.2 feliz:1 contento:1 "
        "contenta:1 util:1 agradezco:1 increible:1.5 maravilloso:1.5 bueno:0.6 buena:0.6 "
        "resuelto:0.6 solucionado:0.6 fantastico:1.5 estupendo:1.2 funciona:0.4"
    ),
    "pt": _weights(
        "obrigado:0.6 obrigada:0.6 otimo:1.2 excelente:1.5 perfeito:1.2 adoro:1.2 feliz:1 "
        "contente:1 util:1 agradeco:1 incrivel:1.5 maravilhoso:1.5 bom:0.6 boa:0.6 "
        "resolvido:0.6 fantastico:1.5 funciona:0.4"
    ),
    "fr": _weights(
        "merci:0.6 genial:1.2 excellent:1.5 parfait:1.2 adore:1.2 heureux:1 heureuse:1 "
        "content:1 contente:1 utile:1 incroyable:1.5 merveilleux:1.5 bon:0.6 bien:0.5 "
        "resolu:0.6 fantastique:1.5 super:1 fonctionne:0.4"
    ),
}

NEGATIVE: dict[str, dict[str, float]] = {
    "en": _weights(
        "angry:2 furious:2 outraged:2 terrible:1.5 horrible:1.5 awful:1.5 worst:2 useless:1.5 "
        "ridiculous:1.5 unacceptable:2 disappointed:1.2 disappointing:1.2 frustrated:1.5 "
        "frustrating:1.5 annoyed:1.2 annoying:1.2 hate:1.5 scam:1.5 rip:1 ripoff:1.5 "
        "pathetic:1.5 incompetent:1.5 disgusting:1.5 bad:0.8 poor:0.8 wrong:0.5 broken:0.8 "
        "fed:0.8 sick:0.6 cancel:0.6 lawyer:1.5 sue:1.5 complaint:1 stolen:1 never:0.3 "
        "again:0.2 waiting:0.5 still:0.3 nobody:0.8 ignored:1.2 joke:1 shame:1"
    ),
    "es": _weights(
        "enfadado:2 enfadada:2 enojado:2 enojada:2 furioso:2 furiosa:2 terrible:1.5 "
        "horrible:1.5 pesimo:2 pesima:2 inutil:1.5 ridiculo:1.5 inaceptable:2 "
        "decepcionado:1.2 decepcionada:1.2 harto:1.5 harta:1.5 molesto:1.2 molesta:1.2 "
        "odio:1.5 estafa:1.5 vergüenza:1 verguenza:1 malo:0.8 mala:0.8 fatal:1.2 roto:0.8 "
        "cancelar:0.6 abogado:1.5 denuncia:1.5 queja:1 robado:1 nunca:0.3 nadie:0.8 "
        "ignorado:1.2 broma:1 esperando:0.5 todavia:0.3"
    ),
    "pt": _weights(
        "irritado:2 irritada:2 furioso:2 furiosa:2 terrivel:1.5 horrivel:1.5 pessimo:2 "
        "pessima:2 inutil:1.5 ridiculo:1.5 inaceitavel:2 decepcionado:1.2 decepcionada:1.2 "
        "cansado:1 chateado:1.2 chateada:1.2 odeio:1.5 golpe:1.5 vergonha:1 ruim:0.8 "
        "mau:0.8 quebrado:0.8 cancelar:0.6 advogado:1.5 processo:0.8 reclamacao:1 "
        "roubado:1 nunca:0.3 ninguem:0.8 ignorado:1.2 esperando:0.5 ainda:0.3"
    ),
    "fr": _weights(
        "furieux:2 furieuse:2 enerve:1.5 enervee:1.5 terrible:1.5 horrible:1.5 nul:1.5 "
        "nulle:1.5 inutile:1.5 ridicule:1.5 inacceptable:2 decu:1.2 decue:1.2 marre:1.5 "
        "agace:1.2 deteste:1.5 arnaque:1.5 honte:1 mauvais:0.8 mauvaise:0.8 casse:0.8 "
        "annuler:0.6 avocat:1.5 plainte:1 vole:1 jamais:0.3 personne:0.5 ignore:1.2 "
        "attends:0.5 toujours:0.3"
    ),
}

NEGATIONS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "not",
            "no",
            "never",
            "dont",
            "don't",
            "doesnt",
            "isnt",
            "wasnt",
            "cant",
            "cannot",
            "won't",
            "wont",
            "nothing",
        ]
    ),
    "es": frozenset(["no", "nunca", "ni", "nada", "tampoco", "jamas"]),
    "pt": frozenset(["nao", "nunca", "nem", "nada", "jamais"]),
    "fr": frozenset(["ne", "pas", "jamais", "rien", "aucun", "aucune"]),
}

URGENT_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "charged twice",
        "double charged",
        "charged two times",
        "locked out",
        "cant log in",
        "can't log in",
        "cannot log in",
        "cant access",
        "cannot access",
        "account hacked",
        "been hacked",
        "was hacked",
        "not working",
        "is down",
        "stolen card",
        "card stolen",
        "lost my card",
        "someone used",
        "didn't make",
        "did not make",
        "don't recognize",
        "do not recognise",
        "don't recognise",
        "unauthorized",
        "unauthorised",
        "asap",
        "right now",
        "immediately",
        "as soon as possible",
        "money is gone",
        "money missing",
        "wrong amount",
        "data breach",
    ),
    "es": (
        "cobrado dos veces",
        "cobraron dos veces",
        "cobran dos veces",
        "cobro doble",
        "doble cargo",
        "no puedo entrar",
        "no puedo acceder",
        "cuenta hackeada",
        "me han hackeado",
        "no funciona",
        "esta caido",
        "tarjeta robada",
        "me robaron",
        "perdi mi tarjeta",
        "no reconozco",
        "no autorizado",
        "lo antes posible",
        "ahora mismo",
        "urgente",
        "de inmediato",
        "falta dinero",
        "me falta dinero",
    ),
    "pt": (
        "cobrado duas vezes",
        "cobranca duplicada",
        "nao consigo entrar",
        "nao consigo acessar",
        "conta hackeada",
        "nao funciona",
        "esta fora do ar",
        "cartao roubado",
        "perdi meu cartao",
        "nao reconheco",
        "nao autorizado",
        "o mais rapido possivel",
        "agora mesmo",
        "imediatamente",
    ),
    "fr": (
        "debite deux fois",
        "double debit",
        "preleve deux fois",
        "je ne peux pas me connecter",
        "compte pirate",
        "ne fonctionne pas",
        "ne marche pas",
        "carte volee",
        "perdu ma carte",
        "je ne reconnais pas",
        "non autorise",
        "des que possible",
        "tout de suite",
        "immediatement",
    ),
}

URGENT_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "urgent",
            "emergency",
            "fraud",
            "fraudulent",
            "outage",
            "hacked",
            "stolen",
            "scammed",
            "breach",
        ]
    ),
    "es": frozenset(
        [
            "urgente",
            "emergencia",
            "fraude",
            "fraudulento",
            "caida",
            "hackeado",
            "robado",
            "estafado",
        ]
    ),
    "pt": frozenset(
        ["urgente", "emergencia", "fraude", "fraudulento", "hackeado", "roubado", "golpe"]
    ),
    "fr": frozenset(
        ["urgent", "urgence", "fraude", "frauduleux", "panne", "pirate", "vole", "arnaque"]
    ),
}

SPAM_PHRASES: tuple[str, ...] = (
    # English
    "click here",
    "buy now",
    "limited time",
    "act now",
    "free money",
    "you have won",
    "you won",
    "winner",
    "congratulations you",
    "claim your prize",
    "claim your reward",
    "100 free",
    "risk free",
    "no credit check",
    "earn money",
    "make money fast",
    "work from home",
    "cheap viagra",
    "viagra",
    "cialis",
    "casino",
    "lottery",
    "bitcoin doubler",
    "double your bitcoin",
    "crypto giveaway",
    "investment opportunity",
    "guaranteed returns",
    "seo services",
    "backlinks",
    "rank your website",
    "increase your traffic",
    "web design services",
    "unsubscribe",
    "dear friend",
    "inheritance",
    "wire transfer fee",
    "nigerian prince",
    "weight loss",
    "miracle",
    "hot singles",
    "dating site",
    "special promotion",
    # Spanish, Portuguese, French
    "haz clic aqui",
    "compra ahora",
    "has ganado",
    "dinero facil",
    "gana dinero",
    "oferta limitada",
    "sin riesgo",
    "clique aqui",
    "compre agora",
    "voce ganhou",
    "dinheiro facil",
    "ganhe dinheiro",
    "cliquez ici",
    "achetez maintenant",
    "vous avez gagne",
    "argent facile",
    "gagnez de l'argent",
    "offre limitee",
)
