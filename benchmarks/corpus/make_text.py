"""Make the labelled free-text corpus in ``benchmarks/corpus/text/snippets.jsonl``.

Each line is a JSON object: ``id``, ``lang`` (en, de, fr, es, it, nl, pt), ``kind`` (ticket,
crm, chat), ``text`` and ``spans``, a list of ``{start, end, entity}`` in characters of
``text``. Entities: EMAIL, PHONE, CREDIT_CARD, IBAN, IP_ADDRESS, US_SSN, URL, DATE (birth dates
only) and PERSON.

Snippets are support tickets, CRM notes and chat messages assembled from per-language
templates: an opener, one to three clauses with slots, a sign-off. Slots are filled by
generators that know the truth: phone numbers are drawn in each country's numbering plan and
kept only when ``phonenumbers`` calls them valid, then written in national, international or
common local formats; card numbers carry a real issuer prefix and a Luhn check digit; IBANs
have their country's length and mod-97 check digits; SSNs avoid the never-issued ranges.

Hard negatives are labelled as nothing: card numbers with a wrong check digit, IBANs with a
wrong digit, SSNs in the never-issued ranges (666, 000, 9xx), version strings such as
``1.2.3.4`` and ``10.0.19045.3803``, order and tracking numbers, prices, ISBNs, timestamps,
dates that are not birth dates (orders, deliveries, appointments).

Deterministic: ``numpy.random.default_rng(SEED)`` draws everything; names come from faker's
provider lists (data only, no faker randomness). Run: ``python benchmarks/corpus/make_text.py``.
"""

# ruff: noqa: E501 - the templates are data: one sentence a line reads better than wrapped

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from importlib import import_module
from pathlib import Path

import numpy as np
import phonenumbers

SEED = 20261123
PER_LANG = 340
OUT = Path(__file__).parent / "text" / "snippets.jsonl"
LANGS = ("en", "de", "fr", "es", "it", "nl", "pt")
NAME_LOCALES = {
    "en": ("en_US", "en_GB"), "de": ("de_DE", "de_AT"), "fr": ("fr_FR",), "es": ("es_ES",),
    "it": ("it_IT",), "nl": ("nl_NL",), "pt": ("pt_PT", "pt_BR"),
}  # fmt: skip
PHONE_REGIONS = {
    "en": ("US", "GB"), "de": ("DE", "AT", "CH"), "fr": ("FR", "BE"), "es": ("ES",),
    "it": ("IT",), "nl": ("NL", "BE"), "pt": ("PT", "BR"),
}  # fmt: skip
IBAN_COUNTRY = {
    "en": ("GB", "IE"), "de": ("DE", "AT", "CH"), "fr": ("FR", "BE"), "es": ("ES",),
    "it": ("IT",), "nl": ("NL", "BE"), "pt": ("PT",),
}  # fmt: skip
# BBAN layout: a = letter, n = digit
IBAN_BBAN = {
    "DE": "n" * 18, "AT": "n" * 16, "CH": "n" * 17, "FR": "n" * 23, "BE": "n" * 12,
    "ES": "n" * 20, "IT": "a" + "n" * 22, "NL": "aaaa" + "n" * 10, "PT": "n" * 21,
    "GB": "aaaa" + "n" * 14, "IE": "aaaa" + "n" * 14,
}  # fmt: skip
DOMAINS = {
    "en": ("gmail.com", "outlook.com", "yahoo.co.uk", "acme-corp.com", "icloud.com"),
    "de": ("web.de", "gmx.de", "t-online.de", "firma-mueller.de", "posteo.de"),
    "fr": ("orange.fr", "free.fr", "laposte.net", "societe-generale.fr", "gmail.com"),
    "es": ("gmail.com", "hotmail.es", "telefonica.net", "empresa.es", "yahoo.es"),
    "it": ("libero.it", "virgilio.it", "gmail.com", "tiscali.it", "azienda.it"),
    "nl": ("ziggo.nl", "kpnmail.nl", "gmail.com", "bedrijf.nl", "hotmail.nl"),
    "pt": ("sapo.pt", "gmail.com", "uol.com.br", "empresa.pt", "hotmail.com"),
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}


class Gen:
    """Value generators; each returns (text, entity or None)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.names: dict[str, tuple[list[str], list[str]]] = {}
        for lang, locales in NAME_LOCALES.items():
            first: list[str] = []
            last: list[str] = []
            for loc in locales:
                prov = import_module(f"faker.providers.person.{loc}").Provider
                first += list(getattr(prov, "first_names", ()))
                last += list(getattr(prov, "last_names", ()))
            self.names[lang] = (sorted(set(first)), sorted(set(last)))

    def pick(self, seq: tuple[str, ...] | list[str]) -> str:
        return seq[int(self.rng.integers(len(seq)))]

    def digits(self, n: int) -> str:
        return "".join(str(d) for d in self.rng.integers(0, 10, n))

    def person(self, lang: str) -> tuple[str, str]:
        first, last = self.names[lang]
        return self.pick(first), self.pick(last)

    def email(self, lang: str, first: str, last: str) -> str:
        f, la = (ascii_fold(x).lower().replace(" ", "") for x in (first, last))
        local = self.pick(
            (f"{f}.{la}", f"{f[0]}.{la}", f"{f}{la}{self.rng.integers(1, 99)}", f"{la}.{f}",
             f"{f}_{la}", f"{f}{self.rng.integers(1960, 2005)}")
        )  # fmt: skip
        return f"{local}@{self.pick(DOMAINS[lang])}"

    def phone(self, lang: str) -> str:
        region = self.pick(PHONE_REGIONS[lang])
        kind = self.pick((phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE))
        example = phonenumbers.example_number_for_type(region, kind)
        nsn = phonenumbers.national_significant_number(example)  # with Italy's leading 0
        for _ in range(1000):
            keep = int(self.rng.integers(2, 4))
            cand = nsn[:keep] + self.digits(len(nsn) - keep)
            num = phonenumbers.parse("+" + str(example.country_code) + cand, None)
            if phonenumbers.is_valid_number(num):
                break
        else:
            raise RuntimeError(f"no valid {region} number drawn")
        style = int(self.rng.integers(6))
        fmt = phonenumbers.PhoneNumberFormat
        if style == 0:
            return phonenumbers.format_number(num, fmt.INTERNATIONAL)
        if style == 1:
            return phonenumbers.format_number(num, fmt.E164)
        national = phonenumbers.format_number(num, fmt.NATIONAL)
        if style == 2 and region in ("DE", "AT", "NL"):
            digits = re.sub(r"\D", "", national)
            cut = 4 if digits[1] in "16" else 3
            return digits[:cut] + self.pick(("/", "-", " / ")) + digits[cut:]
        if style == 3 and region in ("FR", "BE"):
            return national.replace(" ", ".")
        if style == 3 and region == "US":
            return re.sub(r"\D", "", national)[:3] + "-" + national[-8:]
        if style == 4 and region in ("DE", "FR", "IT", "ES", "NL", "PT", "GB"):
            return "00" + phonenumbers.format_number(num, fmt.INTERNATIONAL)[1:]
        return national

    def card(self, valid: bool) -> str:
        prefix, length = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15),
                          ("37", 15), ("6011", 16), ("4", 13)][int(self.rng.integers(8))]  # fmt: skip
        body = prefix + self.digits(length - len(prefix) - 1)
        check = luhn_digit(body)
        if not valid:
            check = (check + int(self.rng.integers(1, 10))) % 10
        number = body + str(check)
        sep = self.pick((" ", " ", "-", ""))
        if length == 15:
            return sep.join((number[:4], number[4:10], number[10:]))
        if length == 13 or not sep:
            return number
        return sep.join(number[i : i + 4] for i in range(0, length, 4))

    def iban(self, lang: str, valid: bool) -> str:
        country = self.pick(IBAN_COUNTRY[lang])
        bban = "".join(
            chr(65 + int(self.rng.integers(26))) if c == "a" else self.digits(1)
            for c in IBAN_BBAN[country]
        )
        check = 98 - int("".join(str(int(ch, 36)) for ch in bban + country + "00")) % 97
        if not valid:
            pos = int(self.rng.integers(4, len(bban)))
            while not bban[pos].isdigit():
                pos -= 1
            bban = bban[:pos] + str((int(bban[pos]) + int(self.rng.integers(1, 10))) % 10) + bban[pos + 1 :]
        iban = f"{country}{check:02d}{bban}"
        if self.rng.random() < 0.65:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def ipv4(self) -> str:
        first = self.pick(("192", "10", "172", "85", "213", "91", "62", "178", "203", "145"))
        rest = [int(x) for x in self.rng.integers(0, 256, 3)]
        if first == "192":
            rest[0] = 168
        return ".".join([first, *map(str, rest)])

    def ipv6(self) -> str:
        groups = [int(x) for x in self.rng.integers(0, 65536, 8)]
        groups[0] = self.pick((0x2001, 0x2a02, 0xfe80, 0x2a00))
        if self.rng.random() < 0.5:
            groups[3:6] = [0, 0, 0]
        return str(ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups)))

    def ssn(self, valid: bool) -> str:
        if valid:
            area = int(self.rng.integers(1, 900))
            area = 667 if area == 666 else area
            group, serial = int(self.rng.integers(1, 100)), int(self.rng.integers(1, 10000))
        else:
            area = int(self.pick(("666", "000", "9" + self.digits(2))))
            group, serial = int(self.rng.integers(1, 100)), int(self.rng.integers(1, 10000))
            if self.rng.random() < 0.2:
                area, group = int(self.rng.integers(1, 666)), 0
        sep = "-" if self.rng.random() < 0.85 else " "
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

    def url(self, lang: str) -> str:
        host = self.pick(DOMAINS[lang]).split("@")[-1]
        path = self.pick(("account/orders", "profile", "user/settings", "tickets/view",
                          "konto/rechnungen", "share/doc", "reset-password"))  # fmt: skip
        scheme = self.pick(("https://", "https://www.", "http://", "www."))
        tail = self.pick(("", f"?id={self.digits(6)}", f"/{self.digits(5)}", "?ref=mail&uid=42"))
        return f"{scheme}{host}/{path}{tail}"

    def date(self, lang: str, birth: bool) -> str:
        year = int(self.rng.integers(1940, 2006)) if birth else int(self.rng.integers(2019, 2027))
        month, day = int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29))
        name = MONTHS[lang].split()[month - 1]
        styles = {
            "en": (f"{name} {day}, {year}", f"{month:02d}/{day:02d}/{year}", f"{year}-{month:02d}-{day:02d}",
                   f"{day} {name} {year}"),
            "de": (f"{day:02d}.{month:02d}.{year}", f"{day}. {name} {year}", f"{day}.{month}.{year}"),
            "fr": (f"{day:02d}/{month:02d}/{year}", f"{day} {name} {year}"),
            "es": (f"{day:02d}/{month:02d}/{year}", f"{day} de {name} de {year}"),
            "it": (f"{day:02d}/{month:02d}/{year}", f"{day} {name} {year}"),
            "nl": (f"{day:02d}-{month:02d}-{year}", f"{day} {name} {year}"),
            "pt": (f"{day:02d}/{month:02d}/{year}", f"{day} de {name} de {year}"),
        }  # fmt: skip
        return self.pick(styles[lang])

    def negative(self, kind: str) -> str:
        d, r = self.digits, lambda a, b: int(self.rng.integers(a, b))
        if kind == "order":
            return self.pick((f"#{d(7)}", f"ORD-2025-{d(6)}", f"{d(3)}-{d(7)}-{d(7)}",
                              f"A{d(8)}", d(10), f"{d(3)}-{d(2)}-{d(4)}", d(16)))  # fmt: skip
        if kind == "version":
            return self.pick((
                f"{r(1, 10)}.{r(0, 20)}.{r(0, 10)}.{r(0, 200)}",
                f"10.0.{r(17000, 22000)}.{r(100, 4000)}",
                f"v{r(1, 5)}.{r(0, 30)}.{r(0, 9)}",
                f"{r(1, 9)}.{r(1, 9)}.{r(0, 9)}.{r(1, 9)}",
            ))  # fmt: skip
        if kind == "price":
            return self.pick((f"€{r(1, 999)},{d(2)}", f"${r(1, 999)}.{d(2)}",
                              f"{r(1, 9)}.{d(3)},{d(2)} €", f"CHF {r(10, 99)}.90"))  # fmt: skip
        if kind == "track":
            return self.pick((f"1Z{d(3)}AA1{d(10)}", f"JJD{d(15)}", f"00{d(18)}",
                              f"LX{d(9)}DE", f"RR{d(9)}PT"))  # fmt: skip
        if kind == "isbn":
            return self.pick((f"978-{d(1)}-{d(2)}-{d(6)}-{d(1)}", f"978{d(10)}"))
        day, month, hour, minute = r(1, 29), r(1, 13), r(0, 24), r(0, 60)
        return self.pick((
            f"2025-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{r(0, 60):02d}",
            f"{day:02d}.{month:02d}.2025 {hour:02d}:{minute:02d}",
            f"2025-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z",
            f"{month:02d}/{day:02d}/2025 {hour % 12 + 1}:{minute:02d} PM",
        ))  # fmt: skip


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def luhn_digit(body: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


SLOTS = {
    "name": "PERSON", "first": "PERSON", "email": "EMAIL", "phone": "PHONE",
    "card": "CREDIT_CARD", "iban": "IBAN", "ip": "IP_ADDRESS", "ip6": "IP_ADDRESS",
    "ssn": "US_SSN", "url": "URL", "dob": "DATE",
}  # fmt: skip
NEGATIVE_SLOTS = ("card_bad", "iban_bad", "ssn_bad", "date", "ts", "order", "version",
                  "price", "track", "isbn")  # fmt: skip

OPENERS = {
    "en": ("Hi,", "Hello team,", "Hi {first},", "Dear Support,", "hey", "Good morning,", ""),
    "de": ("Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hi {first},", "Moin,", ""),
    "fr": ("Bonjour,", "Madame, Monsieur,", "Salut {first},", "Bonsoir,", ""),
    "es": ("Hola,", "Buenos días,", "Estimado equipo,", "Hola {first},", ""),
    "it": ("Buongiorno,", "Salve,", "Ciao {first},", "Gentile assistenza,", ""),
    "nl": ("Hallo,", "Beste klantenservice,", "Hoi {first},", "Goedemiddag,", ""),
    "pt": ("Olá,", "Bom dia,", "Prezados,", "Oi {first},", ""),
}
CLOSERS = {
    "en": ("Thanks, {first}", "Best regards,\n{name}", "Cheers", "", "Sent from my iPhone",
           "Kind regards, {name}"),
    "de": ("Danke, {first}", "Viele Grüße\n{name}", "Mit freundlichen Grüßen, {name}", "", "LG"),
    "fr": ("Merci, {first}", "Cordialement,\n{name}", "Bien à vous, {name}", "", "Merci d'avance"),
    "es": ("Gracias, {first}", "Saludos,\n{name}", "Un saludo, {name}", "", "Gracias de antemano"),
    "it": ("Grazie, {first}", "Cordiali saluti,\n{name}", "Saluti, {name}", "", "Grazie mille"),
    "nl": ("Bedankt, {first}", "Met vriendelijke groet,\n{name}", "Groeten, {name}", "", "Alvast bedankt"),
    "pt": ("Obrigado, {first}", "Atenciosamente,\n{name}", "Abraço, {name}", "", "Obrigada"),
}  # fmt: skip
CLAUSES = {
    "en": (
        "My name is {name} and my email is {email}.", "You can reach me on {phone} after 5pm.",
        "Please call me back at {phone}.", "my new number is {phone}", "Contact: {email} / {phone}",
        "I was charged twice on my card {card} for order {order}.",
        "I typed {card_bad} as the card number but the form says it is invalid.",
        "Please refund to IBAN {iban}.", "Bank details: {iban} (account holder {name}).",
        "The IBAN {iban_bad} you have on file bounced.", "Login attempts from {ip} were blocked.",
        "The server at {ip} stopped responding at {ts}.", "I'm connecting from {ip6} over IPv6.",
        "After updating to version {version} the app crashes.", "Running build {version} here.",
        "My SSN is {ssn}, please update the tax form.", "Social security number: {ssn}",
        "The form rejected SSN {ssn_bad}, which is what my card says.",
        "See {url} for the screenshot.", "I reset my password via {url} but nothing happened.",
        "Date of birth: {dob}.", "I was born on {dob}, the account shows a different date.",
        "My order {order} from {date} still hasn't arrived, tracking {track}.",
        "The invoice total was {price} but I paid {price}.", "Book ISBN {isbn} arrived damaged.",
        "The delivery was scheduled for {date} between 9 and 12.", "Ticket created {ts} by {name}.",
        "Customer {name} called re: refund. Callback {phone}. DOB {dob} verified.",
        "email me at {email} or text {phone}", "Please send the receipt to {email}.",
        "Payment of {price} failed on {date}, card {card}.", "Order {order} | {price} | {date}",
        "Tracking number {track} shows delivered on {date}.", "we spoke on {date}, ref {order}",
    ),
    "de": (
        "Mein Name ist {name}, meine E-Mail lautet {email}.", "Sie erreichen mich unter {phone}.",
        "Bitte rufen Sie mich zurück: {phone}", "Meine neue Handynummer: {phone}",
        "Kontakt: {email}, Tel. {phone}", "Die Abbuchung von meiner Kreditkarte {card} war doppelt.",
        "Die Kartennummer {card_bad} wird als ungültig abgelehnt.",
        "Bitte überweisen Sie die Erstattung auf IBAN {iban}.",
        "Bankverbindung: {iban}, Kontoinhaber {name}", "Die IBAN {iban_bad} ist laut Bank falsch.",
        "Zugriff von {ip} wurde gesperrt.", "Der Server {ip} ist seit {ts} nicht erreichbar.",
        "Nach dem Update auf Version {version} stürzt die App ab.", "Firmware {version} installiert.",
        "Link zum Screenshot: {url}", "Ich habe das Passwort über {url} zurückgesetzt.",
        "Geburtsdatum: {dob}", "Ich bin am {dob} geboren, im Konto steht etwas anderes.",
        "Meine Bestellung {order} vom {date} ist nicht angekommen, Sendungsnummer {track}.",
        "Die Rechnung lautet auf {price}, bezahlt habe ich {price}.", "Buch ISBN {isbn} fehlt.",
        "Der Liefertermin war der {date}.", "Ticket erstellt am {ts} von {name}.",
        "Kunde {name} hat angerufen, Rückrufnummer {phone}, geb. {dob}.",
        "schreib mir an {email} oder ruf an {phone}", "IPv6-Adresse des Routers: {ip6}",
        "Zahlung über {price} am {date} mit Karte {card} fehlgeschlagen.",
        "Bestellnummer {order}, Betrag {price}", "Termin am {date} um 14 Uhr bestätigt.",
    ),
    "fr": (
        "Je m'appelle {name}, mon e-mail est {email}.", "Vous pouvez me joindre au {phone}.",
        "Merci de me rappeler au {phone}.", "mon nouveau portable : {phone}",
        "Contact : {email} / tél. {phone}", "J'ai été débité deux fois sur ma carte {card}.",
        "Le numéro de carte {card_bad} est refusé comme invalide.",
        "Merci de rembourser sur l'IBAN {iban}.", "RIB : {iban}, titulaire {name}",
        "L'IBAN {iban_bad} est refusé par ma banque.", "Connexions depuis {ip} bloquées.",
        "Le serveur {ip} ne répond plus depuis {ts}.", "Après la mise à jour {version} l'appli plante.",
        "Voir la capture ici : {url}", "J'ai réinitialisé mon mot de passe via {url}.",
        "Date de naissance : {dob}", "Je suis née le {dob}, le compte affiche une autre date.",
        "Ma commande {order} du {date} n'est pas arrivée, suivi {track}.",
        "La facture indique {price} mais j'ai payé {price}.", "Le livre ISBN {isbn} est abîmé.",
        "La livraison était prévue le {date}.", "Ticket créé le {ts} par {name}.",
        "Client {name} a appelé, rappel au {phone}, né le {dob}.",
        "écrivez-moi à {email} ou appelez le {phone}", "adresse IPv6 : {ip6}",
        "Paiement de {price} refusé le {date} avec la carte {card}.", "Commande {order}, {price}",
        "Rendez-vous le {date} à 10h confirmé.",
    ),
    "es": (
        "Me llamo {name} y mi correo es {email}.", "Pueden contactarme en el {phone}.",
        "Por favor llámenme al {phone}.", "mi nuevo móvil es {phone}", "Contacto: {email} / {phone}",
        "Me cobraron dos veces en la tarjeta {card}.", "La tarjeta {card_bad} aparece como inválida.",
        "Hagan el reembolso al IBAN {iban}.", "Datos bancarios: {iban}, titular {name}",
        "El IBAN {iban_bad} fue rechazado por el banco.", "Accesos desde {ip} bloqueados.",
        "El servidor {ip} no responde desde {ts}.", "Tras actualizar a la versión {version} falla.",
        "Captura de pantalla: {url}", "Restablecí la contraseña en {url} sin éxito.",
        "Fecha de nacimiento: {dob}", "Nací el {dob}, pero la cuenta muestra otra fecha.",
        "Mi pedido {order} del {date} no ha llegado, seguimiento {track}.",
        "La factura es de {price} y pagué {price}.", "El libro ISBN {isbn} llegó dañado.",
        "La entrega estaba prevista para el {date}.", "Ticket creado el {ts} por {name}.",
        "Cliente {name} llamó, devolver llamada al {phone}, nacido el {dob}.",
        "escríbeme a {email} o llama al {phone}", "Mi número de seguro social es {ssn}.",
        "El pago de {price} falló el {date} con la tarjeta {card}.", "Pedido {order}, {price}",
        "dirección IPv6 {ip6}",
    ),
    "it": (
        "Mi chiamo {name}, la mia email è {email}.", "Potete contattarmi al {phone}.",
        "Per favore richiamatemi al {phone}.", "il mio nuovo cellulare è {phone}",
        "Contatto: {email} / tel. {phone}", "Mi avete addebitato due volte sulla carta {card}.",
        "La carta {card_bad} risulta non valida.", "Rimborsate sull'IBAN {iban}, grazie.",
        "Coordinate bancarie: {iban}, intestatario {name}", "L'IBAN {iban_bad} è stato rifiutato.",
        "Accessi da {ip} bloccati.", "Il server {ip} non risponde dalle {ts}.",
        "Dopo l'aggiornamento alla versione {version} l'app si blocca.", "Screenshot: {url}",
        "Ho reimpostato la password da {url}.", "Data di nascita: {dob}",
        "Sono nato il {dob}, ma nel profilo c'è un'altra data.",
        "Il mio ordine {order} del {date} non è arrivato, tracking {track}.",
        "La fattura è di {price} ma ho pagato {price}.", "Il libro ISBN {isbn} è danneggiato.",
        "La consegna era prevista per il {date}.", "Ticket aperto il {ts} da {name}.",
        "Il cliente {name} ha chiamato, richiamare al {phone}, nata il {dob}.",
        "scrivimi a {email} o chiama il {phone}", "indirizzo IPv6 {ip6}",
        "Pagamento di {price} fallito il {date} con la carta {card}.", "Ordine {order}, {price}",
    ),
    "nl": (
        "Mijn naam is {name} en mijn e-mail is {email}.", "U kunt mij bereiken op {phone}.",
        "Bel mij alstublieft terug op {phone}.", "mijn nieuwe mobiele nummer: {phone}",
        "Contact: {email} / tel. {phone}", "Er is twee keer afgeschreven van mijn creditcard {card}.",
        "Het kaartnummer {card_bad} wordt als ongeldig geweigerd.",
        "Graag terugbetalen op IBAN {iban}.", "Bankgegevens: {iban}, ten name van {name}",
        "Het IBAN {iban_bad} werd door de bank geweigerd.", "Toegang vanaf {ip} geblokkeerd.",
        "De server {ip} reageert niet meer sinds {ts}.", "Na de update naar versie {version} crasht de app.",
        "Screenshot: {url}", "Ik heb mijn wachtwoord gereset via {url}.", "Geboortedatum: {dob}",
        "Ik ben geboren op {dob}, maar mijn account toont een andere datum.",
        "Mijn bestelling {order} van {date} is niet aangekomen, track & trace {track}.",
        "De factuur is {price} maar ik heb {price} betaald.", "Boek ISBN {isbn} is beschadigd.",
        "De levering stond gepland op {date}.", "Ticket aangemaakt op {ts} door {name}.",
        "Klant {name} belde, terugbellen op {phone}, geboren {dob}.",
        "mail me op {email} of bel {phone}", "IPv6-adres {ip6}",
        "Betaling van {price} mislukt op {date} met kaart {card}.", "Bestelling {order}, {price}",
    ),
    "pt": (
        "Chamo-me {name} e o meu e-mail é {email}.", "Podem contactar-me pelo {phone}.",
        "Por favor liguem-me para o {phone}.", "meu novo celular é {phone}",
        "Contato: {email} / tel. {phone}", "Fui cobrado duas vezes no cartão {card}.",
        "O cartão {card_bad} aparece como inválido.", "Façam o reembolso para o IBAN {iban}.",
        "Dados bancários: {iban}, titular {name}", "O IBAN {iban_bad} foi recusado pelo banco.",
        "Acessos a partir de {ip} bloqueados.", "O servidor {ip} não responde desde {ts}.",
        "Depois de atualizar para a versão {version} a app falha.", "Captura de ecrã: {url}",
        "Redefini a senha em {url} sem sucesso.", "Data de nascimento: {dob}",
        "Nasci em {dob}, mas a conta mostra outra data.",
        "A minha encomenda {order} de {date} não chegou, rastreio {track}.",
        "A fatura é de {price} mas paguei {price}.", "O livro ISBN {isbn} chegou danificado.",
        "A entrega estava prevista para {date}.", "Ticket criado em {ts} por {name}.",
        "Cliente {name} ligou, retornar para {phone}, nascida em {dob}.",
        "escreve-me para {email} ou liga {phone}", "endereço IPv6 {ip6}",
        "Pagamento de {price} falhou em {date} com o cartão {card}.", "Encomenda {order}, {price}",
        "Meu número de seguro social americano (SSN) é {ssn}.",
    ),
}
KINDS = ("ticket", "crm", "chat")


def fill(gen: Gen, lang: str, template: str, person: tuple[str, str], out: list[str],
         spans: list[dict[str, object]], pos: int) -> int:  # fmt: skip
    """Append ``template`` with its slots filled to ``out``; return the new offset."""
    for piece in re.split(r"(\{\w+\})", template):
        if not (piece.startswith("{") and piece.endswith("}")):
            out.append(piece)
            pos += len(piece)
            continue
        slot = piece[1:-1]
        first, last = person
        if slot in ("name", "first"):
            agent = gen.rng.random() < 0.3
            f, la = gen.person(lang) if agent else (first, last)
            value = f if slot == "first" else f"{f} {la}"
        elif slot == "email":
            value = gen.email(lang, first, last)
        elif slot == "phone":
            value = gen.phone(lang)
        elif slot in ("card", "card_bad"):
            value = gen.card(slot == "card")
        elif slot in ("iban", "iban_bad"):
            value = gen.iban(lang, slot == "iban")
        elif slot == "ip":
            value = gen.ipv4()
        elif slot == "ip6":
            value = gen.ipv6()
        elif slot in ("ssn", "ssn_bad"):
            value = gen.ssn(slot == "ssn")
        elif slot == "url":
            value = gen.url(lang)
        elif slot in ("dob", "date"):
            value = gen.date(lang, slot == "dob")
        else:
            value = gen.negative(slot)
        if slot in SLOTS:
            spans.append({"start": pos, "end": pos + len(value), "entity": SLOTS[slot]})
        out.append(value)
        pos += len(value)
    return pos


def snippet(gen: Gen, lang: str, kind: str) -> tuple[str, list[dict[str, object]]]:
    person = gen.person(lang)
    out: list[str] = []
    spans: list[dict[str, object]] = []
    pos = 0
    clauses = CLAUSES[lang]
    picks = [gen.pick(clauses) for _ in range(int(gen.rng.integers(1, 4)))]
    parts = [*picks]
    if kind != "chat":
        parts = [gen.pick(OPENERS[lang]), *picks, gen.pick(CLOSERS[lang])]
    sep = " " if kind != "ticket" else "\n"
    for i, template in enumerate(p for p in parts if p):
        if i:
            out.append(sep)
            pos += len(sep)
        if kind == "chat" and gen.rng.random() < 0.3:
            template = template[0].lower() + template[1:]
        pos = fill(gen, lang, template, person, out, spans, pos)
    return "".join(out), spans


def main() -> None:
    rng = np.random.default_rng(SEED)
    gen = Gen(rng)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with OUT.open("w", encoding="utf-8") as fh:
        for lang in LANGS:
            for i in range(PER_LANG):
                kind = KINDS[i % len(KINDS)]
                text, spans = snippet(gen, lang, kind)
                for s in spans:  # the labels are where the values are
                    assert 0 <= int(s["start"]) < int(s["end"]) <= len(text)  # type: ignore[call-overload]
                row = {"id": f"{lang}-{i:04d}", "lang": lang, "kind": kind, "text": text,
                       "spans": spans}  # fmt: skip
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    print(f"wrote {n} snippets to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
