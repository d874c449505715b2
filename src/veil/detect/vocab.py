"""Column-name vocabularies: which words and phrases hint at which entity type.

Every phrase is written folded (lowercase ASCII, accents removed, ``ß`` → ``ss``), its words
separated by single spaces, in the form :func:`veil.detect.names.tokenize` produces (stop
words such as ``de``, ``of``, ``di`` are dropped before matching, so ``date of birth`` is
written ``date birth``). Languages: English, German, French, Spanish, Italian, Dutch,
Portuguese, plus the usual abbreviations.

Each entry is ``phrase: strength``; a strength below 0.6 marks a generic word (``name``,
``id``, ``date``, ``address``) that a more specific phrase in the same column name beats.
``NONE`` lists phrases that name something non-personal: they consume their words so that
``hostname`` never hints a person name and ``product_id`` never hints a subject id.
"""

from __future__ import annotations

GENERIC = 0.5
STRONG = 0.9


def _p(strength: float, text: str) -> dict[str, float]:
    """Phrases separated by commas, all with the same strength."""
    return {p.strip(): strength for p in text.split(",") if p.strip()}


VOCAB: dict[str, dict[str, float]] = {
    "email": {
        **_p(
            STRONG,
            "email, e mail, mail, email address, email addr, e mail address, mail address, mail "
            "addr, email adresse, e mail adresse, mailadresse, courriel, adresse email, adresse "
            "mail, adresse electronique, mel, correo, correo electronico, posta elettronica, "
            "indirizzo email, emailadres, mailadres, e mailadres, endereco email, emails, email "
            "id, mail id",
        ),
    },
    "phone": {
        **_p(
            STRONG,
            "phone, phone number, telephone, tel, ph, phn, mobile, mobile phone, mobile number, "
            "cell, cellphone, cell phone, fax, telefon, telefonnummer, handy, handynummer, mobil, "
            "mobilnummer, rufnummer, telefono, numero telefono, movil, celular, cellulare, "
            "telefoon, telefoonnummer, mobiel, gsm, portable, tel fixe, numero telephone, contact "
            "number, msisdn, phone no, tel no, telnr, tel nr, telefone, telemovel, tel portable, "
            "phones",
        ),
    },
    "person_name": {
        **_p(0.6, "name, nom, nombre, nome, naam, names"),
        **_p(
            STRONG,
            "full name, fullname, first name, firstname, given name, last name, lastname, "
            "surname, family name, middle name, maiden name, forename, vorname, nachname, "
            "familienname, geburtsname, prenom, nom famille, apellido, apellidos, primer "
            "apellido, segundo apellido, cognome, voornaam, achternaam, tussenvoegsel, sobrenome, "
            "primeiro nome, ultimo nome, contact name, customer name, client name, name first, "
            "name last, name full, person name, patient name, employee name, holder name, account "
            "holder, nom complet, nombre completo, nome completo, volledige naam, fname, lname, "
            "first nm, last nm, vorname nachname",
        ),
        **_p(STRONG, "nom prenom, prenom nom, nome cognome, cognome nome, naam voornaam"),
    },
    "street_address": {
        **_p(
            0.55,
            "address, addr, adr, adresse, adres, direccion, indirizzo, endereco, via, numero, "
            "domicilio, morada",
        ),
        **_p(
            STRONG,
            "street, street address, address line, street name, street number, house number, "
            "building number, home address, anschrift, strasse, hausnummer, strassenname, rue, "
            "numero rue, calle, numero civico, straat, straatnaam, huisnummer, rua, logradouro, "
            "address street, location street, street line, residential address, postal address, "
            "mailing address, billing address, shipping address, adresse postale, wohnadresse, "
            "street no, str nr, house no",
        ),
    },
    "postcode": {
        **_p(0.55, "cp, cap, cep, pin code"),
        **_p(
            STRONG,
            "zip, zipcode, zip code, postcode, post code, postal code, postalcode, plz, "
            "postleitzahl, code postal, codigo postal, postnummer, zip postal, postal, postcodes, "
            "codice postale",
        ),
    },
    "city": {
        **_p(
            0.85,
            "city, town, ort, stadt, wohnort, ville, commune, ciudad, localidad, municipio, "
            "poblacion, citta, comune, localita, plaats, woonplaats, stad, gemeente, cidade, "
            "localidade, municipality, locality, city name, hometown, place residence, lieu",
        ),
        **_p(
            0.9,
            "birth place, birthplace, place birth, city birth, lieu naissance, geburtsort, "
            "luogo nascita, lugar nacimiento, geboorteplaats, local nascimento, naturalidade, "
            "ville naissance",
        ),
    },
    "region": {
        **_p(
            0.8,
            "state, province, region, county, bundesland, kanton, canton, departement, provincia, "
            "comunidad, comunidad autonoma, regione, provincie, estado, distrito, prefecture, "
            "state province, regio, district, landkreis, kreis",
        ),
    },
    "country": {
        **_p(
            0.85,
            "country, country code, nation, nationality, nat, land, staat, pays, nationalite, "
            "pais, nacionalidad, paese, nazione, nazionalita, nacionalidade, landcode, iso "
            "country, country name, staatsangehoerigkeit, staatsangehorigkeit, citizenship, "
            "county code, code pays, nationaliteit",
        ),
    },
    "gender": {
        **_p(
            STRONG,
            "gender, sex, geschlecht, sexe, genre, sexo, genero, sesso, genere, geslacht, "
            "salutation, anrede, civilite, name title, tratamiento, aanhef, titolo",
        ),
        **_p(GENERIC, "title"),
    },
    "date_of_birth": {
        **_p(
            STRONG,
            "dob, birth date, birthdate, date birth, birthday, born, birth, geburtsdatum, "
            "geburtstag, geboren, geb datum, gebdat, geburts datum, date naissance, naissance, "
            "ddn, fecha nacimiento, nacimiento, data nascita, nascita, geboortedatum, geboorte, "
            "data nascimento, nascimento, dt nasc, dob date, birth dt, bday, fec nac, f "
            "nacimiento, date naiss, geburt, cumpleanos",
        ),
    },
    "age": {
        **_p(0.85, "age, alter, edad, eta, leeftijd, idade, years old, age years, dob age"),
    },
    "date": {
        **_p(
            GENERIC,
            "date, datum, dt, timestamp, ts, time, datetime, fecha, heure, zeit, zeitpunkt, day, "
            "created, updated, modified, registered, registration, signup, sign up, joined, last "
            "login, last seen, visit, purchase date, order date, created at, updated at, "
            "inscription, registro, registrazione, aangemaakt, anmeldung, erstellt, date "
            "creation, data, dia, jour, tag, registered date",
        ),
    },
    "latitude": {
        **_p(
            STRONG,
            "lat, latitude, breitengrad, breite, latitud, latitudine, breedtegraad, geo lat, "
            "coordinates latitude, gps lat, y coord",
        ),
    },
    "longitude": {
        **_p(
            STRONG,
            "lon, lng, long, longitude, laengengrad, langengrad, laenge, longitud, longitudine, "
            "lengtegraad, geo lon, geo lng, coordinates longitude, gps lon, x coord",
        ),
    },
    "ip_address": {
        **_p(
            STRONG,
            "ip, ip address, ipaddress, ipv4, ipv6, ip addr, client ip, remote addr, remote ip, "
            "ip adresse, adresse ip, direccion ip, indirizzo ip, ipadres, ip adres, endereco ip, "
            "source ip, src ip",
        ),
    },
    "mac_address": {
        **_p(
            STRONG,
            "mac, mac address, macaddr, mac addr, hw addr, hwaddr, bssid, mac adresse, adresse mac",
        ),
    },
    "url": {
        **_p(
            0.8,
            "url, uri, website, web site, homepage, home page, link, web, site web, sito web, "
            "pagina web, webseite, sitio web, profile url, linkedin, blog, webpagina, site, web "
            "address, url perfil",
        ),
    },
    "image": {
        **_p(
            STRONG,
            "picture, pic, photo, image, img, avatar, portrait, thumbnail, foto, bild, "
            "profilbild, imagen, immagine, afbeelding, imagem, selfie, headshot, profile picture, "
            "profile photo, photo url, picture large, picture medium, picture thumbnail, passfoto",
        ),
    },
    "username": {
        **_p(
            STRONG,
            "username, user name, login, user login, login name, screen name, handle, nickname, "
            "nick, benutzername, benutzer, nom utilisateur, pseudo, identifiant, usuario, nombre "
            "usuario, utente, nome utente, gebruikersnaam, login username, user handle, twitter, "
            "instagram, display name, alias, userid login, login id",
        ),
    },
    "identifier": {
        **_p(GENERIC, "id, key, nr, no, number, nummer"),
        **_p(0.75, "uuid, guid"),
        **_p(
            STRONG,
            "user id, userid, customer id, client id, member id, account id, person id, patient "
            "id, employee id, student id, subject id, contact id, kunden id, kundennummer, kunden "
            "nr, kundennr, kunde id, mitgliedsnummer, personalnummer, identifiant client, numero "
            "client, id cliente, numero cliente, codice cliente, klantnummer, klant id, customer "
            "number, member number, user uuid, login uuid, customer uuid, account uuid, user "
            "guid, person uuid, cliente id, mitarbeiter id, patienten id, num client, ref client, "
            "user key, customer key, account number, user no, customer no, client no, membership "
            "number, loyalty number, card holder id, id usuario, numero socio, id utente, "
            "gebruiker id, id utilisateur, nutzer id, benutzer id, user ref, customer ref, client "
            "ref, customer reference, member ref, account ref",
        ),
    },
    "national_id": {
        **_p(
            STRONG,
            "national id, nationalid, national identifier, id number, id card, identity card, "
            "personalausweis, ausweisnummer, ausweis, steuer id, steuernummer, "
            "steueridentifikationsnummer, steuerid, sozialversicherungsnummer, svnr, insee, nir, "
            "numero securite sociale, securite sociale, secu, dni, nie, nif, nss, codice fiscale, "
            "bsn, burgerservicenummer, sofinummer, cpf, nino, national insurance, national "
            "insurance number, ni number, passport, passport number, passport no, reisepass, "
            "passeport, pasaporte, passaporto, paspoort, passaporte, tax id, tin, tfn, tax "
            "number, driver license, drivers license, driving licence, license number, "
            "fuehrerschein, fuhrerschein, permis conduire, id value, cedula, documento identidad, "
            "carta identita, numero documento, dni nie, personnummer, pesel, identity number, nhs "
            "number, health insurance number, krankenversicherungsnummer, versichertennummer, "
            "avs, ahv",
        ),
    },
    "ssn": {
        **_p(
            STRONG,
            "ssn, social security, social security number, soc sec, ss number, soc sec no, ssn "
            "number, us ssn, social sec",
        ),
    },
    "credit_card": {
        **_p(
            STRONG,
            "credit card, creditcard, card number, cc number, ccnum, cc num, pan, kreditkarte, "
            "kreditkartennummer, carte bancaire, numero carte, carte credit, tarjeta, numero "
            "tarjeta, tarjeta credito, carta credito, numero carta, creditcard nummer, cartao, "
            "cartao credito, numero cartao, cc, card no, kartennummer, payment card, debit card, "
            "card, card pan",
        ),
    },
    "iban": {
        **_p(
            STRONG,
            "iban, bank account, kontonummer, rekeningnummer, numero compte, cuenta, numero "
            "cuenta, conto, conto corrente, numero conto, bankrekening, nib, iban number, bank "
            "account number, account iban, compte bancaire, cuenta bancaria, bankverbindung, rib",
        ),
    },
    "password": {
        **_p(
            STRONG,
            "password, passwort, kennwort, pwd, pw, pass, passwd, mot passe, mdp, contrasena, "
            "clave, wachtwoord, senha, pin, passcode, login password, parola chiave, user "
            "password, plain password, password clear",
        ),
    },
    "password_hash": {
        **_p(
            STRONG,
            "password hash, pw hash, pwd hash, passwort hash, hash, md5, sha1, sha256, sha512, "
            "salt, bcrypt, token, api key, apikey, secret, secret key, access token, refresh "
            "token, private key, otp secret, login md5, login sha1, login sha256, login salt, "
            "password digest, hashed password, password sha, auth token, session token, digest, "
            "credential, credentials",
        ),
    },
    "health": {
        **_p(
            STRONG,
            "malattie, malattie pregresse, krankheiten, maladies, enfermedades, ziektes, "
            "doencas, diseases, illnesses, conditions, medications, patologie, patologia, "
            "diagnosis, diagnose, medical condition, disease, illness, allergy, allergies, blood "
            "type, blood group, blutgruppe, groupe sanguin, grupo sanguineo, gruppo sanguigno, "
            "bloedgroep, tipo sanguineo, medication, medikament, medikamente, krankheit, maladie, "
            "enfermedad, malattia, ziekte, doenca, icd, icd10, health, gesundheit, sante, salud, "
            "salute, gezondheid, saude, disability, behinderung, pregnancy, health condition, "
            "condition, diagnostic, diagnostico, diagnosi, medicatie, treatment, symptoms, "
            "vorerkrankung, vorerkrankungen, medical history, antecedents",
        ),
    },
    "religion": {
        **_p(
            STRONG,
            "religion, konfession, religionszugehoerigkeit, confession, religione, religie, "
            "religiao, faith, denomination, religious, religious affiliation, culte",
        ),
    },
    "income": {
        **_p(
            STRONG,
            "income, salary, wage, wages, einkommen, gehalt, lohn, salaire, revenu, revenus, "
            "salario, ingresos, sueldo, stipendio, reddito, inkomen, salaris, loon, renda, "
            "rendimento, annual income, net worth, jahresgehalt, bruttogehalt, nettoeinkommen, "
            "annual salary, household income, remuneration, retribuzione",
        ),
    },
    "free_text": {
        **_p(
            0.6,
            "description, notes, note, comment, comments, remarks, remark, bemerkung, "
            "bemerkungen, kommentar, notiz, notizen, beschreibung, commentaire, commentaires, "
            "remarque, remarques, observations, comentario, comentarios, observaciones, nota, "
            "notas, commento, commenti, osservazioni, opmerking, opmerkingen, beschrijving, "
            "observacoes, message, text, body, bio, about, feedback, review, details, summary, "
            "anmerkung, descripcion, descrizione, descricao, omschrijving, nachricht, mensaje, "
            "messaggio, bericht, mensagem",
        ),
    },
    # non-personal: consumes its words so that they hint nothing else
    "none": {
        **_p(
            STRONG,
            "hostname, host name, host, server, server name, file name, filename, company name, "
            "company, product name, product, product id, product code, brand, brand name, domain "
            "name, domain, table name, column name, app name, device name, business name, "
            "firmenname, firma, shop name, store name, project name, team name, model name, item "
            "name, item id, category, category name, category id, event name, campaign name, "
            "produktname, produkt, nom produit, produit, nombre producto, producto, nome "
            "prodotto, prodotto, productnaam, bedrijfsnaam, raison sociale, nom entreprise, "
            "empresa, ragione sociale, sku, article id, artikelnummer, artikel, artikel id, order "
            "id, invoice id, invoice number, transaction id, ean, gtin, isbn, part number, model "
            "number, batch id, produktcode, code produit, codigo producto, codice prodotto, "
            "productcode, request id, trace id, event id, row id, record id, version, status, "
            "statement, timezone, time zone, timezone offset, timezone description, currency, "
            "price, amount, quantity, qty, total, language, locale, color, colour, size, weight, "
            "score, rating, level, type, kind, unit, sensor, warehouse, device, device id, "
            "station, station id, sensor id, asset id, ticket id, case id, job id, run id, id "
            "name, id type, page, page url, referrer, user agent, browser, os, platform, channel, "
            "source, medium, campaign, subject, city code, store id, shop id, branch, department, "
            "abteilung, job title, position, role, cost, revenue, tax, discount, vat, count, "
            "visits, clicks, index, rank, flag, active, enabled, deleted",
        ),
    },
}


def _words(text: str) -> list[str]:
    return text.split()


# words that make a generic "id"/"number" a person's identifier ("owner_id", "guest_no")
PERSON_QUALIFIERS = frozenset(
    _words(
        "user customer client member account person patient employee student subject contact "
        "kunde kunden mitglied klant cliente paziente utente usuario mitarbeiter login owner "
        "holder buyer seller driver passenger guest visitor applicant candidate citizen "
        "participant respondent voter resident tenant insured beneficiary people personal "
        "persoon gebruiker utilisateur nutzer benutzer socio abonne subscriber author"
    )
)

# words that only qualify (never hint alone) but help to segment glued names
EXTRA_WORDS = _words(
    "user customer client member account person patient employee student subject contact "
    "kunde kunden mitglied klant cliente paziente utente usuario mitarbeiter primary "
    "secondary home work private privat business billing shipping delivery first last "
    "middle full given family line number nummer code main alt alternative other current "
    "previous new old verified confirmed geburts nummer personal persoenlich profile "
    "registered location coordinates geo gps address street info value list type"
)

# dropped before matching (so "date_of_birth" and "date_birth" are the same name)
STOPWORDS = frozenset(
    _words("of the de di da do du des del della dello la le el van der den d l y e o et und and en")
)
