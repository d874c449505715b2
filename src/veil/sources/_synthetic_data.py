"""Reference data for the synthetic source: countries, cities, names, formats, providers.

Plain data only; ``veil.sources.synthetic`` parses and compiles it once, on first use.

Conventions
- Lists are comma-separated strings (names may contain spaces and apostrophes, never commas).
- A city line is ``city|state|lat|lon|population_thousands|postcode_prefixes[|tz_offset]``;
  several postcode prefixes (space-separated) split the city's weight evenly. The postcode is
  ``prefix + country.postcode_suffix`` rendered as a template. Coordinates are the city centre.
- Templates: ``#`` digit, ``%`` digit 1-9, ``^`` digit 2-9, ``@`` letter A-Z, ``$`` Canadian
  postcode letter, ``£`` British inward-code letter, ``¤`` Eircode character, ``{field}`` a
  value derived from the person (``dd``/``mm``/``yy`` of birth, ``sex``, ``century``,
  ``initial``); anything else is literal. ``|`` separates equally likely alternatives.
- E-mail providers are ``domain:share`` pairs (shares in percent, normalised on load).
- Persian names carry their Latin transliteration after ``=`` (used for e-mail local parts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountryData:
    """Everything the generator needs to invent a plausible resident of one country."""

    code: str  # randomuser nat / ISO 3166 alpha-2
    name: str  # English name, as randomuser spells it
    weight: float  # share of users among the randomuser nationalities
    tz: str  # default UTC offset (a key of TIMEZONES); a city line may override it
    cities: str
    streets: str
    given: str  # '+'-joined keys of GIVEN_MALE / GIVEN_FEMALE
    family: str  # '+'-joined keys of FAMILY
    postcode_suffix: str
    phone: str
    cell: str
    e164: str  # mobile number in international form (FakerAPI 'phone')
    id_name: str  # '' when randomuser has no national id for the nat
    id_template: str | None
    id_check: str | None  # check-digit rule applied to the rendered id (see synthetic.py)
    email: str
    street_max: int  # house numbers run 1..street_max, small ones far more common
    tld: str  # country-code top-level domain for personal web sites
    titles: str = "en"  # 'en' (Mr/Mrs/Ms/Miss) or 'fr' (Monsieur/Madame/Mademoiselle)


#: randomuser's offset → description pairs (api/1.4), used per city (not at random)
TIMEZONES: dict[str, str] = {
    "-12:00": "Eniwetok, Kwajalein",
    "-11:00": "Midway Island, Samoa",
    "-10:00": "Hawaii",
    "-9:00": "Alaska",
    "-8:00": "Pacific Time (US & Canada)",
    "-7:00": "Mountain Time (US & Canada)",
    "-6:00": "Central Time (US & Canada), Mexico City",
    "-5:00": "Eastern Time (US & Canada), Bogota, Lima",
    "-4:00": "Atlantic Time (Canada), Caracas, La Paz",
    "-3:30": "Newfoundland",
    "-3:00": "Brazil, Buenos Aires, Georgetown",
    "-2:00": "Mid-Atlantic",
    "-1:00": "Azores, Cape Verde Islands",
    "0:00": "Western Europe Time, London, Lisbon, Casablanca",
    "+1:00": "Brussels, Copenhagen, Madrid, Paris",
    "+2:00": "Kaliningrad, South Africa",
    "+3:00": "Baghdad, Riyadh, Moscow, St. Petersburg",
    "+3:30": "Tehran",
    "+4:00": "Abu Dhabi, Muscat, Baku, Tbilisi",
    "+4:30": "Kabul",
    "+5:00": "Ekaterinburg, Islamabad, Karachi, Tashkent",
    "+5:30": "Bombay, Calcutta, Madras, New Delhi",
    "+5:45": "Kathmandu",
    "+6:00": "Almaty, Dhaka, Colombo",
    "+7:00": "Bangkok, Hanoi, Jakarta",
    "+8:00": "Beijing, Perth, Singapore, Hong Kong",
    "+9:00": "Tokyo, Seoul, Osaka, Sapporo, Yakutsk",
    "+9:30": "Adelaide, Darwin",
    "+10:00": "Eastern Australia, Guam, Vladivostok",
    "+11:00": "Magadan, Solomon Islands, New Caledonia",
    "+12:00": "Auckland, Wellington, Fiji, Kamchatka",
}

#: (first age, last age, relative weight per year of age) of account holders
AGE_PROFILE: tuple[tuple[int, int, float], ...] = (
    (18, 24, 1.00),
    (25, 34, 1.15),
    (35, 44, 1.10),
    (45, 54, 1.00),
    (55, 64, 0.85),
    (65, 74, 0.60),
    (75, 84, 0.30),
    (85, 90, 0.12),
)

# --- names -----------------------------------------------------------------------------------

GIVEN_MALE: dict[str, str] = {
    "en": """James, John, Robert, Michael, William, David, Richard, Joseph, Thomas, Charles,
        Christopher, Daniel, Matthew, Anthony, Mark, Donald, Steven, Paul, Andrew, Joshua,
        Kenneth, Kevin, Brian, George, Timothy, Ronald, Jason, Edward, Jeffrey, Ryan, Jacob,
        Gary, Nicholas, Eric, Jonathan, Stephen, Larry, Justin, Scott, Brandon, Benjamin,
        Samuel, Oliver, Jack, Harry, Noah, Leo, Liam, Ethan, Lucas, Henry, Archer, Carter,
        Russell, Leon, Clifton, Gilbert, Shawn, Daryl, Tyrone""",
    "ie": """Seán, Conor, Cian, Darragh, Oisín, Patrick, Ciarán, Fionn, Eoin, Cillian, Niall,
        Declan, Donal, Colm""",
    "de": """Peter, Michael, Thomas, Andreas, Wolfgang, Klaus, Jürgen, Stefan, Hans, Frank,
        Uwe, Bernd, Christian, Werner, Markus, Horst, Dieter, Manfred, Günter, Matthias,
        Martin, Jörg, Sebastian, Tobias, Alexander, Daniel, Jan, Florian, Lukas, Jonas, Leon,
        Finn, Paul, Felix, Maximilian, Elias, Noah, Ben, Luca, Henry, Jens, Ralf, Eduard,
        Urban, Horst-Günter, Karl-Heinz, Heinz""",
    "fr": """Jean, Pierre, Michel, Philippe, Alain, Nicolas, Christophe, Patrick, Daniel,
        Bernard, Éric, Laurent, Frédéric, Sébastien, Julien, Stéphane, David, Olivier, Thomas,
        Pascal, Jacques, François, Antoine, Maxime, Alexandre, Hugo, Lucas, Louis, Gabriel,
        Léo, Raphaël, Arthur, Jules, Nathan, Théo, Baptiste, Dylan, Mathis, Enzo, Clément,
        Quentin, Romain, Guillaume, Vincent, Benoît, Gilles, Franck""",
    "it": """Francesco, Alessandro, Lorenzo, Andrea, Leonardo, Mattia, Matteo, Gabriele,
        Riccardo, Tommaso, Davide, Giuseppe, Antonio, Giovanni, Marco, Luca, Roberto, Stefano,
        Paolo, Mario, Luigi, Salvatore, Vincenzo, Fabio, Massimo, Simone, Federico, Daniele,
        Claudio, Giorgio, Franco, Sergio, Bruno, Pietro, Emanuele, Nicola, Alberto, Enrico,
        Michele, Filippo, Edoardo, Diego""",
    "es": """Antonio, José, Manuel, Francisco, David, Juan, Javier, Daniel, Carlos, Jesús,
        Alejandro, Miguel, Rafael, Pablo, Sergio, Fernando, Jorge, Luis, Alberto, Álvaro,
        Diego, Adrián, Raúl, Enrique, Ramón, Vicente, Iván, Rubén, Óscar, Andrés, Joaquín,
        Santiago, Eduardo, Víctor, Roberto, Marcos, Hugo, Mario, Gregorio, Rolando, Ignacio,
        Emilio, Arturo, Alfonso, Guillermo, Ricardo""",
    "pt": """José, João, Antônio, Francisco, Carlos, Paulo, Pedro, Lucas, Luiz, Marcos, Luís,
        Gabriel, Rafael, Daniel, Marcelo, Bruno, Eduardo, Felipe, Raimundo, Rodrigo, Manoel,
        Mateus, André, Fernando, Fábio, Leonardo, Gustavo, Guilherme, Leandro, Tiago,
        Anderson, Ricardo, Márcio, Jorge, Sebastião, Alexandre, Roberto, Edson, Diego, Vitor,
        Sérgio, Cláudio, Arthur, Heitor, Davi, Bernardo, Gilberto, Adolfo, Aramis""",
    "nl": """Jan, Johannes, Cornelis, Hendrik, Willem, Pieter, Gerrit, Jacobus, Dirk, Peter,
        Hans, Kees, Bart, Bas, Joost, Mark, Thomas, Daan, Sem, Lucas, Levi, Finn, Milan, Noah,
        Luuk, Jesse, Bram, Thijs, Ruben, Sven, Tim, Lars, Stijn, Niels, Jeroen, Sander,
        Martijn, Wouter, Koen, Koenraad, Joris, Floris, Teun, Filippus""",
    "da": """Peter, Jens, Lars, Michael, Henrik, Søren, Thomas, Jan, Niels, Christian, Martin,
        Anders, Morten, Jesper, Rasmus, Mads, Mikkel, Frederik, Kasper, Jonas, Magnus, Emil,
        Oliver, William, Noah, Lucas, Victor, Malthe, Villads, Sander, Albert, Benjamin,
        Simon, Tobias, Mathias, Oscar, Carl, August, Alfred, Aksel, Bjørn, Troels""",
    "no": """Jan, Per, Bjørn, Ole, Lars, Kjell, Knut, Arne, Svein, Thomas, Hans, Geir, Tor,
        Morten, Terje, Odd, Erik, Martin, Andreas, Jon, Harald, Rune, Espen, Trond, Anders,
        Magnus, Henrik, Jakob, Emil, Filip, Noah, Oskar, Lucas, Isak, Aksel, Sander, Mathias,
        Sondre, Tobias, Eirik, Håkon, Sigurd, Lias, Tom, Ibrahim""",
    "fi": """Juhani, Johannes, Mikael, Olavi, Onni, Matias, Elias, Oliver, Eino, Leo, Väinö,
        Aatu, Vilho, Otto, Eetu, Lauri, Ville, Juho, Antti, Mikko, Jukka, Matti, Pekka, Timo,
        Kari, Heikki, Jari, Markku, Petri, Janne, Sami, Tuomas, Joni, Aleksi, Niko, Joona,
        Veeti, Valtteri, Toni, Teemu, Eemil, Aapo""",
    "tr": """Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, İsmail, Osman, Yusuf,
        Murat, Ömer, Ramazan, Halil, Süleyman, Abdullah, Mahmut, Recep, Salih, Fatih, Kemal,
        Emre, Burak, Can, Cem, Barış, Serkan, Onur, Tolga, Oğuz, Eren, Kerem, Arda, Emir,
        Yiğit, Berk, Alp, Deniz, Necati, Kaan, Selim, Tuncay""",
    "uk": """Oleksandr, Andriy, Serhiy, Volodymyr, Dmytro, Mykola, Ivan, Vasyl, Yuriy, Oleh,
        Petro, Mykhailo, Viktor, Ihor, Taras, Bohdan, Maksym, Artem, Denys, Vitaliy, Roman,
        Yaroslav, Stepan, Pavlo, Anatoliy, Valeriy, Borys, Hryhoriy, Leonid, Yevhen,
        Kostiantyn, Vadym, Ruslan, Nazar, Ostap, Danylo, Matviy, Tymofiy, Zakhar, Arseniy,
        Rostyslav, Sviatoslav, Peresvit""",
    "sr": """Nikola, Marko, Stefan, Luka, Milan, Nemanja, Aleksandar, Jovan, Miloš, Dušan,
        Vladimir, Petar, Filip, Lazar, Uroš, Đorđe, Bogdan, Dragan, Zoran, Goran, Dejan,
        Dragoljub, Miroslav, Slobodan, Branko, Vuk, Ljubiša, Velibor, Srđan, Nenad, Predrag,
        Radomir, Živorad, Momčilo, Veljko, Ognjen, Andrija, Mihajlo, Strahinja, Vasilije,
        Igor, Boris""",
    "hi": """Aarav, Vivaan, Aditya, Vihaan, Arjun, Sai, Reyansh, Ayaan, Krishna, Ishaan,
        Rahul, Rohan, Amit, Vikram, Raj, Sanjay, Anil, Suresh, Ramesh, Rajesh, Manoj, Deepak,
        Sunil, Vijay, Ashok, Prakash, Kiran, Nikhil, Karan, Varun, Siddharth, Harsh, Kunal,
        Pranav, Gaurav, Abhishek, Ankit, Akash, Kahaan, Dhruv, Yash, Mohit""",
    "fa": """محمد=Mohammad, علی=Ali, حسین=Hossein, رضا=Reza, مهدی=Mahdi, امیر=Amir,
        حسن=Hassan, محسن=Mohsen, سعید=Saeed, مجید=Majid, حمید=Hamid, احمد=Ahmad,
        مصطفی=Mostafa, جواد=Javad, مرتضی=Morteza, سجاد=Sajjad, امیرحسین=Amirhossein,
        محمدرضا=Mohammadreza, ابوالفضل=Abolfazl, یاسین=Yasin, آرمین=Armin, آرین=Arian,
        دانیال=Danial, پارسا=Parsa, کیان=Kian, سینا=Sina, بهنام=Behnam, پویا=Pouya,
        فرهاد=Farhad, کامران=Kamran, بهروز=Behrouz, داریوش=Dariush, نیما=Nima, میلاد=Milad,
        وحید=Vahid, هادی=Hadi, یوسف=Yousef, عرفان=Erfan, ماهان=Mahan, امید=Omid,
        بردیا=Bardia, شایان=Shayan""",
}

GIVEN_FEMALE: dict[str, str] = {
    "en": """Mary, Patricia, Jennifer, Linda, Elizabeth, Barbara, Susan, Jessica, Sarah,
        Karen, Lisa, Nancy, Betty, Margaret, Sandra, Ashley, Kimberly, Emily, Donna, Michelle,
        Carol, Amanda, Dorothy, Melissa, Deborah, Stephanie, Rebecca, Sharon, Laura, Cynthia,
        Kathleen, Amy, Angela, Helen, Anna, Olivia, Emma, Charlotte, Amelia, Ava, Sophia,
        Isla, Mia, Grace, Chloe, Ella, Ruby, Sophie, Megan, Caitlin, Julie, Ivy, Kayla, Kate,
        Clara, Avery, Theresa, Bessie, Sonia, Aubree, Kenzi""",
    "ie": """Niamh, Aoife, Saoirse, Siobhán, Róisín, Aisling, Ciara, Orla, Sinéad, Clodagh,
        Gráinne, Éabha, Caoimhe, Fiadh""",
    "de": """Maria, Ursula, Monika, Petra, Elisabeth, Sabine, Renate, Helga, Karin, Brigitte,
        Ingrid, Erika, Andrea, Gisela, Claudia, Susanne, Gabriele, Christa, Christine, Birgit,
        Anja, Stefanie, Julia, Katharina, Laura, Anna, Lena, Lea, Hannah, Sophie, Emilia, Mia,
        Emma, Marie, Lina, Leonie, Johanna, Clara, Luisa, Josefine, Loretta, Rahel, Marcella,
        Nicole, Tanja, Heike, Anke, Silke""",
    "fr": """Marie, Nathalie, Isabelle, Sylvie, Catherine, Françoise, Christine, Monique,
        Valérie, Sandrine, Sophie, Céline, Stéphanie, Julie, Aurélie, Émilie, Camille, Léa,
        Manon, Chloé, Emma, Jade, Louise, Alice, Lina, Inès, Sarah, Zoé, Lola, Juliette, Clara,
        Margaux, Pauline, Laura, Lucie, Mathilde, Anaïs, Noémie, Océane, Élodie, Virginie,
        Véronique, Brigitte, Nicole, Lison, Noélie, Loane, Kiara, Capucine, Joséphine""",
    "it": """Sofia, Giulia, Aurora, Alice, Ginevra, Emma, Giorgia, Greta, Beatrice, Anna,
        Chiara, Francesca, Sara, Martina, Valentina, Alessia, Elisa, Federica, Silvia, Laura,
        Paola, Maria, Giuseppina, Rosa, Angela, Giovanna, Teresa, Lucia, Carmela, Caterina,
        Elena, Roberta, Monica, Cristina, Barbara, Daniela, Antonella, Manuela, Serena, Ilaria,
        Camilla, Noemi""",
    "es": """María, Carmen, Ana, Isabel, Laura, Cristina, Marta, Lucía, Pilar, Dolores, Paula,
        Elena, Sara, Raquel, Rosa, Manuela, Mercedes, Julia, Irene, Nerea, Alba, Silvia,
        Patricia, Andrea, Beatriz, Rocío, Eva, Natalia, Sofía, Claudia, Miriam, Teresa, Inés,
        Noelia, Verónica, Guadalupe, Alejandra, Fernanda, Valeria, Ximena, Amalia, Irma,
        Gabriela, Esperanza, Lorena, Mónica""",
    "pt": """Maria, Ana, Francisca, Antônia, Adriana, Juliana, Márcia, Fernanda, Patrícia,
        Aline, Sandra, Camila, Amanda, Bruna, Jéssica, Letícia, Júlia, Luciana, Vanessa,
        Mariana, Gabriela, Vera, Vitória, Larissa, Cláudia, Beatriz, Luana, Rita, Sônia,
        Renata, Eliane, Alice, Helena, Laura, Valentina, Sophia, Manuela, Isabela, Lívia,
        Cátia, Elenice, Débora, Tatiane, Simone""",
    "nl": """Maria, Johanna, Anna, Cornelia, Wilhelmina, Elisabeth, Catharina, Hendrika,
        Margaretha, Petronella, Anne, Emma, Julia, Sophie, Tess, Sara, Lotte, Fenna, Zoë, Eva,
        Lisa, Sanne, Femke, Anouk, Iris, Lieke, Floor, Roos, Mila, Nina, Esmee, Fleur, Ilse,
        Marloes, Kim, Linda, Ingrid, Monique, Petra, Josja, Saskia, Annemieke""",
    "da": """Anne, Kirsten, Mette, Hanne, Anna, Helle, Susanne, Lene, Maria, Marianne, Lone,
        Camilla, Pia, Louise, Charlotte, Tina, Gitte, Bente, Inge, Karen, Emma, Ida, Clara,
        Freja, Sofie, Laura, Mathilde, Ella, Alma, Agnes, Nanna, Frida, Karla, Josefine,
        Caroline, Julie, Sara, Signe, Astrid, Cecilie, Maja, Ellen""",
    "no": """Anne, Inger, Kari, Marit, Ingrid, Liv, Eva, Berit, Astrid, Bjørg, Hilde, Anna,
        Solveig, Marianne, Randi, Ida, Nina, Maria, Elisabeth, Kristin, Silje, Ingeborg, Nora,
        Emma, Sara, Sofie, Olivia, Maja, Leah, Frida, Thea, Vilde, Ingvild, Hedda, Tiril,
        Mathilde, Iben, Tuva, Live, Oda, Marte, Synnøve, Emily, Weronika""",
    "fi": """Maria, Helena, Johanna, Anneli, Kaarina, Marjatta, Anna, Liisa, Aino, Eveliina,
        Sofia, Emilia, Olivia, Aada, Ella, Venla, Iida, Neea, Sanna, Laura, Tiina, Päivi,
        Minna, Riikka, Satu, Heidi, Hanna, Elina, Jenni, Katja, Noora, Niina, Anu, Pirjo,
        Tuula, Seija, Ritva, Sirpa, Kerttu, Lotta, Veera, Saara""",
    "tr": """Fatma, Ayşe, Emine, Hatice, Zeynep, Elif, Meryem, Şerife, Zehra, Sultan, Hanife,
        Merve, Özlem, Esra, Büşra, Yasemin, Leyla, Derya, Ebru, Sibel, Gül, Gülay, Nur,
        Nurcan, Seda, Selin, Ceren, Defne, Ecrin, Azra, Eylül, Ela, Nisa, Irmak, Buse, Tuğba,
        Pınar, Gamze, Damla, Melek, Aslı, Ömür, Dilek, Songül, Hülya, Filiz, Mestan""",
    "uk": """Olena, Oksana, Nataliya, Tetyana, Iryna, Svitlana, Yuliya, Lyudmyla, Halyna,
        Mariya, Olha, Kateryna, Anna, Nadiya, Larysa, Valentyna, Liliya, Viktoriya, Alina,
        Sofiya, Daryna, Anastasiya, Khrystyna, Solomiya, Yaryna, Zlata, Vira, Lyubov,
        Oleksandra, Inna, Nina, Raisa, Zoya, Marta, Uliana, Veronika, Diana, Polina,
        Yelyzaveta, Bohdana, Myroslava, Roksolana""",
    "sr": """Milica, Jelena, Ana, Marija, Jovana, Ivana, Dragana, Snežana, Gordana, Vesna,
        Mirjana, Jasmina, Tijana, Katarina, Aleksandra, Teodora, Sara, Nevena, Sanja, Maja,
        Danica, Mila, Anđela, Kristina, Nataša, Tamara, Biljana, Zorica, Ljiljana, Slađana,
        Dušica, Radmila, Branka, Iva, Lada, Ljuba, Andrea, Dunja, Nina, Lena, Vasilija,
        Sofija""",
    "hi": """Saanvi, Aadhya, Ananya, Diya, Pari, Anika, Navya, Ira, Priya, Pooja, Neha, Sneha,
        Anjali, Kavya, Divya, Shreya, Riya, Meera, Lakshmi, Sunita, Anita, Kavita, Rekha, Asha,
        Geeta, Nisha, Swati, Shweta, Deepika, Aishwarya, Isha, Tanvi, Ishita, Nandini,
        Radhika, Sakshi, Aarohi, Myra, Kiara, Jiya, Simran, Payal""",
    "fa": """فاطمه=Fatemeh, زهرا=Zahra, مریم=Maryam, زینب=Zeynab, سارا=Sara, نرگس=Narges,
        الهام=Elham, مهسا=Mahsa, نازنین=Nazanin, ستایش=Setayesh, یسنا=Yasna, هستی=Hasti,
        ریحانه=Reyhaneh, کوثر=Kowsar, نیلوفر=Niloufar, پریسا=Parisa, شیما=Shima,
        سمیرا=Samira, لیلا=Leila, مینا=Mina, شیرین=Shirin, پروین=Parvin, آیدا=Aida,
        الناز=Elnaz, رها=Raha, باران=Baran, آوا=Ava, هلیا=Helia, ترانه=Taraneh, مهتاب=Mahtab,
        نگار=Negar, طاهره=Tahereh, سمانه=Samaneh, فرناز=Farnaz, گلناز=Golnaz,
        آناهیتا=Anahita, بهاره=Bahareh, نسرین=Nasrin, سپیده=Sepideh, محدثه=Mohadeseh,
        کیانا=Kiana""",
}

FAMILY: dict[str, str] = {
    "en": """Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez,
        Martinez, Hernandez, Lopez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin,
        Lee, Thompson, White, Harris, Clark, Lewis, Robinson, Walker, Young, Allen, King,
        Wright, Scott, Hill, Green, Adams, Baker, Nelson, Carter, Mitchell, Roberts, Turner,
        Phillips, Campbell, Parker, Evans, Edwards, Collins, Stewart, Morris, Murphy, Cook,
        Rogers, Morgan, Cooper, Peterson, Reed, Bailey, Bell, Kelly, Howard, Ward, Cox,
        Richardson, Wood, Watson, Brooks, Bennett, Gray, Hughes, Price, Patel, Singh, Nguyen,
        Hall, Freeman, Olson, Craig, Fowler, Nichols, Hoffman, Silva, Curtis, Douglas,
        Gonzales""",
    "ie": """Murphy, Kelly, O'Sullivan, Walsh, Smith, O'Brien, Byrne, Ryan, O'Connor, O'Neill,
        O'Reilly, Doyle, McCarthy, Gallagher, O'Doherty, Kennedy, Lynch, Murray, Quinn, Moore,
        McLoughlin, O'Carroll, Connolly, Daly, O'Connell, Wilson, Dunne, Brennan, Burke,
        Collins, Campbell, Clarke, Johnston, Hughes, O'Farrell, Fitzgerald, Brown, Martin,
        Maguire, Nolan, Flynn, Thompson, O'Callaghan, O'Donnell, Duffy, O'Mahony, Boyle,
        Healy, O'Shea, White, Sweeney, Hayes, Kavanagh, Power, McGrath, Moran, Brady, Stewart,
        Casey, Foley, Fitzpatrick, O'Leary, McDonnell, MacMahon, Caldwell, Bates, Russell,
        Griffin, Ford, Sanders, Richards, Gray""",
    "de": """Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz,
        Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz,
        Zimmermann, Braun, Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause,
        Meier, Lehmann, Schmid, Schulze, Maier, Köhler, Herrmann, König, Walter, Mayer, Huber,
        Kaiser, Fuchs, Peters, Lang, Scholz, Möller, Weiß, Jung, Hahn, Schubert, Vogel,
        Friedrich, Keller, Günther, Frank, Berger, Winkler, Roth, Beck, Lorenz, Baumann,
        Franke, Albrecht, Ludwig, Habermann, Korte, Marquardt, Sieber, Michler, Kürschner,
        Neubert""",
    "ch": """Müller, Meier, Schmid, Keller, Weber, Huber, Schneider, Meyer, Steiner, Fischer,
        Gerber, Brunner, Baumann, Frei, Zimmermann, Moser, Widmer, Wyss, Graf, Roth, Suter,
        Baumgartner, Bachmann, Studer, Berger, Kaufmann, Bühler, Hofmann, Lüthi, Marti, Kälin,
        Hug, Zürcher, Sutter, Egli, Wenger, Favre, Rochat, Bonvin, Pittet, Dubois, Rey, Morel,
        Perrin, Mottier, Python, Jaquet, Bernard, Petit, Guillot, Francois, Blanchard, Muller,
        Bernasconi, Rossi, Bianchi, Ferrari, Lombardi, Galli, Fontana, Crivelli, Cattaneo""",
    "fr": """Martin, Bernard, Thomas, Petit, Robert, Richard, Durand, Dubois, Moreau, Laurent,
        Simon, Michel, Lefebvre, Leroy, Roux, David, Bertrand, Morel, Fournier, Girard,
        Bonnet, Dupont, Lambert, Fontaine, Rousseau, Vincent, Muller, Lefèvre, Faure, André,
        Mercier, Blanc, Guérin, Boyer, Garnier, Chevalier, François, Legrand, Gauthier,
        Garcia, Perrin, Robin, Clément, Morin, Nicolas, Henry, Roussel, Mathieu, Gautier,
        Masson, Marchand, Duval, Denis, Dumont, Marie, Lemaire, Noël, Meyer, Dufour, Meunier,
        Brun, Blanchard, Giraud, Joly, Rivière, Lucas, Brunet, Gaillard, Barbier, Arnaud,
        Caron, Guyot, Pons, Descamps, Bodin, Petitjean, Imbert, Dijoux""",
    "it": """Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco,
        Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti,
        Barbieri, Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone,
        Longo, Gentile, Martinelli, Vitale, Lombardo, Serra, Coppola, De Santis, D'Angelo,
        Marchetti, Parisi, Villa, Conte, Ferraro, Ferri, Fabbri, Bianco, Marini, Grasso,
        Valentini, Messina, Sala, De Angelis, Gatti, Pellegrini, Palumbo, Sanna, Farina, Rizzi,
        Monti, Cattaneo, Morelli, Amato, Silvestri""",
    "es": """García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez,
        Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso,
        Gutiérrez, Navarro, Torres, Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco,
        Molina, Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, Marín, Sanz, Núñez,
        Iglesias, Medina, Garrido, Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto,
        Méndez, Cruz, Flores, Herrera, Peña, León, Márquez, Cabrera, Gallego, Calvo, Vidal,
        Campos, Vega, Fuentes, Carrasco, Reyes, Aguilar, Rendón, Figueroa, Pulido, Ocampo,
        Rocha, Hidalgo, Sáez, Pastor""",
    "pt": """Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes,
        Costa, Ribeiro, Martins, Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa,
        Rocha, Dias, Nascimento, Andrade, Moreira, Nunes, Marques, Machado, Mendes, Freitas,
        Cardoso, Ramos, Gonçalves, Santana, Teixeira, Araújo, Moura, Correia, Cavalcanti,
        Pires, Monteiro, Campos, Castro, Rezende, Batista, Farias, Barros, Pinto, Melo, Duarte,
        Nogueira, Borges, Azevedo, Caldeira, Peixoto, Porto, Fonseca, Miranda, Xavier,
        Siqueira, Cunha, Macedo, Brito""",
    "nl": """de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit,
        Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker,
        Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, Jacobs,
        de Haan, Vermeulen, van den Heuvel, van der Veen, van den Broek, de Bruijn, de Bruin,
        van der Heijden, Schouten, van Beek, Willems, van Vliet, van de Ven, Hoekstra, Maas,
        Verhoeven, Koster, van Dam, van der Wal, Prins, Blom, Huisman, Peeters, de Jonge,
        Kuipers, van Veen, Post, Kuiper, Veenstra, Kramer, van den Brink, Scholten, Hoedjes,
        Ooteman, Schook, Niewold, Van Andel, Held""",
    "da": """Nielsen, Jensen, Hansen, Pedersen, Andersen, Christensen, Larsen, Sørensen,
        Rasmussen, Jørgensen, Petersen, Madsen, Kristensen, Olsen, Thomsen, Christiansen,
        Poulsen, Johansen, Møller, Mortensen, Knudsen, Jakobsen, Mikkelsen, Olesen,
        Frederiksen, Laursen, Henriksen, Lund, Schmidt, Holm, Eriksen, Kristiansen, Nissen,
        Clausen, Simonsen, Svendsen, Andreasen, Iversen, Jeppesen, Mogensen, Jacobsen,
        Vestergaard, Nørgaard, Jessen, Søndergaard, Bertelsen, Hedegaard, Bach, Kjær,
        Lauridsen, Dam, Toft, Friis, Østergaard, Bak, Thygesen, Lassen, Winther, Brandt,
        Kjeldsen, Skov, Dahl""",
    "no": """Hansen, Johansen, Olsen, Larsen, Andersen, Pedersen, Nilsen, Kristiansen, Jensen,
        Karlsen, Johnsen, Pettersen, Eriksen, Berg, Haugen, Hagen, Johannessen, Andreassen,
        Jacobsen, Dahl, Jørgensen, Halvorsen, Henriksen, Lund, Sørensen, Jakobsen, Moen,
        Gundersen, Iversen, Strand, Solberg, Svendsen, Eide, Knutsen, Martinsen, Paulsen,
        Bakken, Kristoffersen, Mathisen, Lie, Amundsen, Nguyen, Rasmussen, Ali, Lunde,
        Solheim, Berge, Moe, Nygård, Bakke, Kristensen, Fredriksen, Holm, Lien, Hauge,
        Christensen, Andresen, Nielsen, Knudsen, Evensen, Sæther, Aas, Drageset, Voll,
        Lofthus, Sundstrøm, Leiknes, Nilssen, Abdullahi""",
    "fi": """Korhonen, Virtanen, Mäkinen, Nieminen, Mäkelä, Hämäläinen, Laine, Heikkinen,
        Koskinen, Järvinen, Lehtonen, Lehtinen, Saarinen, Salminen, Heinonen, Niemi,
        Heikkilä, Kinnunen, Salonen, Turunen, Salo, Laitinen, Tuominen, Rantanen, Karjalainen,
        Jokinen, Mattila, Savolainen, Lahtinen, Ahonen, Hiltunen, Leinonen, Ylitalo, Manni,
        Tikkanen, Leino, Hirvonen, Kallio, Kettunen, Miettinen, Pitkänen, Väisänen, Lindholm,
        Nurmi, Aaltonen, Peltonen, Koivisto, Halonen, Lindqvist, Mustonen, Ojala, Rantala,
        Seppälä, Toivonen, Valtonen, Hakala, Kärkkäinen, Räsänen, Vainio, Holmström,
        Kauppinen, Anttila""",
    "tr": """Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir,
        Arslan, Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Özer,
        Erdoğan, Güneş, Aktaş, Yücel, Bulut, Korkmaz, Akın, Tekin, Ünal, Kaplan, Karaca, Avcı,
        Tazegül, Kunter, Yazıcı, Korol, Kulaksızoğlu, Sönmez, Bozkurt, Keskin, Türk, Uçar,
        Karakaya, Altun, Güler, Acar, Başaran, Erdem, Sarı, Toprak, Ateş, Işık, Taş, Durmaz,
        Akbulut, Çakır, Eren, Gündoğdu, Karataş, Kocabaş""",
    "uk": """Melnyk, Shevchenko, Boyko, Kovalenko, Bondarenko, Tkachenko, Kovalchuk,
        Kravchenko, Oliynyk, Shevchuk, Koval, Polishchuk, Bondar, Tkachuk, Moroz, Marchenko,
        Lysenko, Rudenko, Savchenko, Petrenko, Klymenko, Pavlenko, Savchuk, Kuzmenko,
        Ponomarenko, Kharchenko, Levchenko, Karpenko, Vasylenko, Ivanenko, Hrytsenko,
        Zinchenko, Kravets, Kozak, Honcharenko, Yakovenko, Lytvynenko, Pavlyuk, Ribalchenko,
        Grivko, Romanenko, Mazur, Kostenko, Sydorenko, Fedorenko, Nazarenko, Didenko,
        Demchenko, Tymoshenko, Khomenko, Hnatyuk, Zakharchenko, Danylyuk, Prokopenko,
        Kushnir, Panchenko, Tarasenko, Symonenko, Yurchenko, Kovtun, Kolesnyk, Ostapenko""",
    "sr": """Jovanović, Petrović, Nikolić, Marković, Đorđević, Stojanović, Ilić, Stanković,
        Pavlović, Milošević, Popović, Đukić, Mitrović, Živković, Todorović, Kostić, Janković,
        Stefanović, Ristić, Lazić, Obradović, Kovačević, Savić, Simić, Tomić, Marić, Radović,
        Vasić, Filipović, Kojić, Katanić, Dokić, Rašić, Stevanović, Santrač, Vlašić,
        Milenković, Mladenović, Nedeljković, Pešić, Radosavljević, Stojković, Vuković, Jović,
        Antić, Babić, Bogdanović, Cvetković, Dimitrijević, Gajić, Jakovljević, Knežević,
        Lukić, Matić, Mihajlović, Milovanović, Nešić, Perić, Trajković, Vučković, Zdravković,
        Ćirić""",
    "hi": """Sharma, Verma, Gupta, Singh, Kumar, Patel, Shah, Mehta, Joshi, Desai, Reddy, Rao,
        Naidu, Nair, Menon, Pillai, Iyer, Iyengar, Krishnan, Subramanian, Chatterjee,
        Banerjee, Mukherjee, Das, Bose, Ghosh, Sen, Dutta, Chakraborty, Roy, Mishra, Pandey,
        Tiwari, Dubey, Trivedi, Shukla, Agarwal, Jain, Bansal, Malhotra, Kapoor, Khanna,
        Chopra, Arora, Bhatia, Sethi, Saxena, Srivastava, Yadav, Chauhan, Thakur, Rathore,
        Shetty, Kulkarni, Patil, Pawar, Jadhav, Gill, Sandhu, Dhillon, Bhat, Kaur""",
    "fa": """محمدی=Mohammadi, حسینی=Hosseini, احمدی=Ahmadi, رضایی=Rezaei, موسوی=Mousavi,
        کریمی=Karimi, جعفری=Jafari, صادقی=Sadeghi, رحیمی=Rahimi, قاسمی=Ghasemi,
        محمودی=Mahmoudi, حیدری=Heydari, هاشمی=Hashemi, کاظمی=Kazemi, نوری=Nouri,
        عباسی=Abbasi, اکبری=Akbari, مرادی=Moradi, امینی=Amini, سلیمانی=Soleimani,
        کامروا=Kamrava, صدر=Sadr, زارعی=Zarei, یزدانی=Yazdani, ملکی=Maleki, شریفی=Sharifi,
        طاهری=Taheri, بهرامی=Bahrami, رستمی=Rostami, نجفی=Najafi, فرهادی=Farhadi,
        کرمانی=Kermani, تهرانی=Tehrani, شیرازی=Shirazi, اصفهانی=Esfahani, عسگری=Asgari,
        خسروی=Khosravi, سعیدی=Saeedi, یوسفی=Yousefi, میرزایی=Mirzaei, فلاحی=Fallahi,
        باقری=Bagheri, قربانی=Ghorbani, اسدی=Asadi, نظری=Nazari, پارسا=Parsa,
        توکلی=Tavakoli, کیانی=Kiani, افشار=Afshar, نادری=Naderi, سبحانی=Sobhani,
        مختاری=Mokhtari, داوودی=Davoudi, فراهانی=Farahani, جهانگیری=Jahangiri, کاوه=Kaveh,
        وحیدی=Vahidi, حسن‌زاده=Hassanzadeh, علیزاده=Alizadeh, رحمانی=Rahmani,
        شجاعی=Shojaei""",
}

# --- login vocabulary ------------------------------------------------------------------------

ADJECTIVES = """tiny, big, small, happy, sad, lazy, beautiful, heavy, silver, golden, white,
    black, red, blue, green, yellow, orange, purple, brown, crazy, ticklish, organic, angry,
    smart, brave, lucky, quiet, wild, sleepy, fast"""

ANIMALS = """fish, wolf, swan, panda, dog, snake, zebra, tiger, ladybug, gorilla, meercat,
    leopard, peacock, bear, bird, butterfly, cat, duck, elephant, frog, goose, koala, lion,
    monkey, mouse, ostrich, owl, rabbit, rhino, shark, squirrel, tortoise, buffalo"""

#: common passwords, as randomuser draws them from a wordlist of real leaked passwords
PASSWORDS = """123456, password, 12345678, qwerty, 123456789, 12345, 1234, 111111, 1234567,
    dragon, 123123, baseball, abc123, football, monkey, letmein, 696969, shadow, master,
    666666, qwertyuiop, 123321, mustang, 1234567890, michael, 654321, superman, 1qaz2wsx,
    7777777, 121212, 000000, qazwsx, 123qwe, killer, trustno1, jordan, jennifer, zxcvbnm,
    asdfgh, hunter, buster, soccer, harley, batman, andrew, tigger, sunshine, iloveyou,
    2000, charlie, robert, thomas, hockey, ranger, daniel, starwars, klaster, 112233, george,
    computer, michelle, jessica, pepper, 1111, zxcvbn, 555555, 11111111, 131313, freedom,
    777777, pass, maggie, 159753, aaaaaa, ginger, princess, joshua, cheese, amanda, summer,
    love, ashley, 6969, nicole, chelsea, biteme, matthew, access, yankees, 987654321, dallas,
    austin, thunder, taylor, matrix, babe, yuan, amature, ride, edwards, boiler, cococo,
    thunder1, phoenix1, incubus, riley, maximus, closer, shirley, scania, 852456, 545454,
    johnboy, tyler, truck, jimmy, smegma, thx1138"""

# --- countries -------------------------------------------------------------------------------

COUNTRIES: tuple[CountryData, ...] = (
    CountryData(
        code="AU",
        name="Australia",
        weight=3.0,
        tz="+10:00",
        cities="""Sydney|New South Wales|-33.8688|151.2093|5300|20 21
            Melbourne|Victoria|-37.8136|144.9631|5100|30 31
            Brisbane|Queensland|-27.4698|153.0251|2600|40 41
            Perth|Western Australia|-31.9505|115.8605|2100|60 61|+8:00
            Adelaide|South Australia|-34.9285|138.6007|1400|50 51|+9:30
            Gold Coast|Queensland|-28.0167|153.4000|700|42
            Newcastle|New South Wales|-32.9283|151.7817|500|23
            Canberra|Australian Capital Territory|-35.2809|149.1300|460|26
            Sunshine Coast|Queensland|-26.6500|153.0667|350|45
            Wollongong|New South Wales|-34.4278|150.8931|300|25
            Geelong|Victoria|-38.1499|144.3617|280|32
            Hobart|Tasmania|-42.8821|147.3272|250|70
            Townsville|Queensland|-19.2590|146.8169|180|48
            Cairns|Queensland|-16.9186|145.7781|155|48
            Darwin|Northern Territory|-12.4634|130.8456|150|08|+9:30
            Toowoomba|Queensland|-27.5598|151.9507|140|43
            Ballarat|Victoria|-37.5622|143.8503|110|33
            Bendigo|Victoria|-36.7570|144.2794|100|35
            Launceston|Tasmania|-41.4332|147.1441|90|72
            Mackay|Queensland|-21.1411|149.1861|80|47
            Bunbury|Western Australia|-33.3271|115.6414|75|62|+8:00
            Albury|New South Wales|-36.0737|146.9135|55|26
            Orange|New South Wales|-33.2839|149.1004|40|28
            Alice Springs|Northern Territory|-23.6980|133.8807|25|08|+9:30""",
        streets="""George St, Pitt St, Collins St, Bourke St, Queen St, King St, Elizabeth St,
            Victoria Rd, Church St, High St, Bridge Rd, Park Rd, Station St, Railway Pde,
            Albert St, Williams Rd, Bollinger Rd, Photinia Ave, College St, Taylor St, Hay St,
            Murray St, Smith St, Beach Rd, Ocean St""",
        given="en",
        family="en",
        postcode_suffix="##",
        phone="02-####-####|03-####-####|07-####-####|08-####-####",
        cell="04##-###-###",
        e164="+614########",
        id_name="TFN",
        id_template="#########",
        id_check="tfn",
        email="""gmail.com:45 bigpond.com:12 hotmail.com:8 outlook.com:8 yahoo.com.au:8
            icloud.com:10 optusnet.com.au:5 live.com.au:4""",
        street_max=400,
        tld="com.au",
    ),
    CountryData(
        code="BR",
        name="Brazil",
        weight=9.0,
        tz="-3:00",
        cities="""São Paulo|São Paulo|-23.5505|-46.6333|12300|01 02 03 04 05 08
            Rio de Janeiro|Rio de Janeiro|-22.9068|-43.1729|6700|20 21 22 23
            Brasília|Distrito Federal|-15.7939|-47.8828|3000|70 71 72
            Salvador|Bahia|-12.9777|-38.5016|2900|40 41
            Fortaleza|Ceará|-3.7319|-38.5267|2700|60
            Belo Horizonte|Minas Gerais|-19.9167|-43.9345|2500|30 31
            Manaus|Amazonas|-3.1190|-60.0217|2200|69|-4:00
            Curitiba|Paraná|-25.4284|-49.2733|1950|80 81
            Recife|Pernambuco|-8.0476|-34.8770|1650|50 51
            Goiânia|Goiás|-16.6869|-49.2648|1550|74
            Belém|Pará|-1.4558|-48.4902|1500|66
            Porto Alegre|Rio Grande do Sul|-30.0346|-51.2177|1490|90 91
            Guarulhos|São Paulo|-23.4538|-46.5333|1400|07
            Campinas|São Paulo|-22.9099|-47.0626|1200|13
            São Luís|Maranhão|-2.5307|-44.3068|1100|65
            Maceió|Alagoas|-9.6498|-35.7089|1000|57
            Natal|Rio Grande do Norte|-5.7945|-35.2110|890|59
            Teresina|Piauí|-5.0920|-42.8038|870|64
            Campo Grande|Mato Grosso do Sul|-20.4697|-54.6201|900|79|-4:00
            João Pessoa|Paraíba|-7.1195|-34.8450|820|58
            Ribeirão Preto|São Paulo|-21.1704|-47.8103|710|14
            Aracaju|Sergipe|-10.9472|-37.0731|660|49
            Cuiabá|Mato Grosso|-15.6014|-56.0979|620|78|-4:00
            Florianópolis|Santa Catarina|-27.5954|-48.5480|510|88
            Rio Branco|Acre|-9.9754|-67.8249|410|69|-5:00
            Vitória|Espírito Santo|-20.3155|-40.3128|365|29""",
        streets="""Rua São Paulo, Rua Tiradentes, Rua Dois, Rua Rui Barbosa,
            Rua Sete de Setembro, Rua Quinze de Novembro, Avenida Brasil, Rua das Flores,
            Rua Dom Pedro II, Avenida Paulista, Rua Santos Dumont, Rua Castro Alves,
            Rua Getúlio Vargas, Rua José Bonifácio, Travessa dos Martírios, Rua Dezessete,
            Rua Bahia, Rua Amazonas, Avenida Atlântica, Rua da Paz, Rua Principal,
            Rua Barão do Rio Branco, Rua Marechal Deodoro, Rua Duque de Caxias""",
        given="pt",
        family="pt",
        postcode_suffix="###-###",
        phone="(%#) 2###-####|(%#) 3###-####",
        cell="(%#) 9####-####",
        e164="+55%#9########",
        id_name="CPF",
        id_template="###.###.###-##",
        id_check="cpf",
        email="""gmail.com:58 hotmail.com:14 yahoo.com.br:8 outlook.com:8 uol.com.br:5
            bol.com.br:4 terra.com.br:3""",
        street_max=3000,
        tld="com.br",
    ),
    CountryData(
        code="CA",
        name="Canada",
        weight=4.0,
        tz="-5:00",
        cities="""Toronto|Ontario|43.6532|-79.3832|2800|M
            Montreal|Quebec|45.5017|-73.5673|1760|H
            Calgary|Alberta|51.0447|-114.0719|1300|T|-7:00
            Ottawa|Ontario|45.4215|-75.6972|1020|K
            Edmonton|Alberta|53.5461|-113.4938|1010|T|-7:00
            Winnipeg|Manitoba|49.8951|-97.1384|750|R|-6:00
            Mississauga|Ontario|43.5890|-79.6441|720|L
            Vancouver|British Columbia|49.2827|-123.1207|680|V|-8:00
            Brampton|Ontario|43.7315|-79.7624|650|L
            Surrey|British Columbia|49.1913|-122.8490|570|V|-8:00
            Hamilton|Ontario|43.2557|-79.8711|570|L
            Quebec City|Quebec|46.8139|-71.2080|550|G
            Laval|Quebec|45.6066|-73.7124|440|H
            Halifax|Nova Scotia|44.6488|-63.5752|440|B|-4:00
            London|Ontario|42.9849|-81.2453|420|N
            Saskatoon|Saskatchewan|52.1332|-106.6700|270|S|-6:00
            Regina|Saskatchewan|50.4452|-104.6189|230|S|-6:00
            Windsor|Ontario|42.3149|-83.0364|230|N
            Sherbrooke|Quebec|45.4042|-71.8929|170|J
            Kelowna|British Columbia|49.8880|-119.4960|145|V|-8:00
            St. John's|Newfoundland and Labrador|47.5615|-52.7126|110|A|-3:30
            Victoria|British Columbia|48.4284|-123.3656|92|V|-8:00
            Moncton|New Brunswick|46.0878|-64.7782|80|E|-4:00
            Charlottetown|Prince Edward Island|46.2382|-63.1311|40|C|-4:00
            Whitehorse|Yukon|60.7212|-135.0568|28|Y|-7:00
            Yellowknife|Northwest Territories|62.4540|-114.3718|20|X|-7:00
            Iqaluit|Nunavut|63.7467|-68.5170|7|X""",
        streets="""Yonge St, King St W, Queen St E, Bloor St W, Dundas St, Main St, Robson St,
            Granville St, Jasper Ave, Portage Ave, Rue Sainte-Catherine,
            Boulevard Saint-Laurent, Rue Sherbrooke, Wellington St, Bank St, Dufferin St,
            Concession Road 23, Cedar St, Maple Ave, Lakeshore Rd, Spruce St, Oak St,
            Parliament St, Elgin St""",
        given="en",
        family="en",
        postcode_suffix="#$ #$#",
        phone="(%##) %##-####",
        cell="(%##) %##-####",
        e164="+1%##%######",
        id_name="SIN",
        id_template="%########",
        id_check="luhn",
        email="""gmail.com:48 hotmail.com:12 yahoo.ca:10 outlook.com:8 icloud.com:8
            rogers.com:5 shaw.ca:4 sympatico.ca:3 videotron.ca:2""",
        street_max=2000,
        tld="ca",
    ),
    CountryData(
        code="CH",
        name="Switzerland",
        weight=1.5,
        tz="+1:00",
        cities="""Zürich|Zürich|47.3769|8.5417|420|80
            Genève|Genève|46.2044|6.1432|200|12
            Basel|Basel-Stadt|47.5596|7.5886|175|40
            Lausanne|Vaud|46.5197|6.6323|140|10
            Bern|Bern|46.9480|7.4474|135|30
            Winterthur|Zürich|47.4988|8.7237|115|84
            Luzern|Luzern|47.0502|8.3093|82|60
            St. Gallen|St. Gallen|47.4245|9.3767|76|90
            Lugano|Ticino|46.0037|8.9511|63|69
            Biel/Bienne|Bern|47.1368|7.2468|55|25
            Thun|Bern|46.7580|7.6280|44|36
            Bellinzona|Ticino|46.1946|9.0175|43|65
            Köniz|Bern|46.9240|7.4147|42|30
            Fribourg|Fribourg|46.8065|7.1620|38|17
            La Chaux-de-Fonds|Neuchâtel|47.0999|6.8259|37|23
            Schaffhausen|Schaffhausen|47.6973|8.6349|37|82
            Chur|Graubünden|46.8508|9.5320|37|70
            Vernier|Genève|46.2170|6.0848|36|12
            Uster|Zürich|47.3471|8.7209|36|86
            Sion|Valais|46.2331|7.3606|35|19
            Neuchâtel|Neuchâtel|46.9900|6.9293|34|20
            Zug|Zug|47.1662|8.5155|31|63
            Frauenfeld|Thurgau|47.5536|8.8987|26|85
            Aarau|Aargau|47.3925|8.0442|22|50
            Solothurn|Solothurn|47.2088|7.5323|17|45
            Herisau|Appenzell Ausserrhoden|47.3860|9.2792|16|91""",
        streets="""Bahnhofstrasse, Hauptstrasse, Dorfstrasse, Kirchweg, Rue Principale,
            Rue du Lac, Rue de la Gare, Chemin des Vignes, Via Cantonale, Via San Gottardo,
            Seestrasse, Schulhausstrasse, Poststrasse, Oberdorfstrasse, Rue du Marché,
            Avenue de la Gare, Place de la Riponne, Rue Cyrus-Hugues, Rue Baraban,
            Industriestrasse, Alte Landstrasse, Gartenstrasse, Rue des Alpes, Route de Genève""",
        given="de+fr",
        family="ch",
        postcode_suffix="##",
        phone="044 ### ## ##|031 ### ## ##|061 ### ## ##|022 ### ## ##|021 ### ## ##",
        cell="076 ### ## ##|077 ### ## ##|078 ### ## ##|079 ### ## ##",
        e164="+4176#######|+4177#######|+4178#######|+4179#######",
        id_name="AVS",
        id_template="756.####.####.##",
        id_check="ean13",
        email="""gmail.com:40 bluewin.ch:18 gmx.ch:12 hotmail.com:8 outlook.com:6
            icloud.com:6 yahoo.com:4 sunrise.ch:3 protonmail.ch:3""",
        street_max=120,
        tld="ch",
        titles="fr",
    ),
    CountryData(
        code="DE",
        name="Germany",
        weight=9.0,
        tz="+1:00",
        cities="""Berlin|Berlin|52.5200|13.4050|3700|10 12 13
            Hamburg|Hamburg|53.5511|9.9937|1900|20 21 22
            München|Bayern|48.1351|11.5820|1500|80 81
            Köln|Nordrhein-Westfalen|50.9375|6.9603|1080|50 51
            Frankfurt am Main|Hessen|50.1109|8.6821|760|60
            Stuttgart|Baden-Württemberg|48.7758|9.1829|630|70
            Düsseldorf|Nordrhein-Westfalen|51.2277|6.7735|620|40
            Leipzig|Sachsen|51.3397|12.3731|600|04
            Dortmund|Nordrhein-Westfalen|51.5136|7.4653|590|44
            Essen|Nordrhein-Westfalen|51.4556|7.0116|580|45
            Bremen|Bremen|53.0793|8.8017|570|28
            Dresden|Sachsen|51.0504|13.7373|560|01
            Hannover|Niedersachsen|52.3759|9.7320|540|30
            Nürnberg|Bayern|49.4521|11.0767|520|90
            Duisburg|Nordrhein-Westfalen|51.4344|6.7623|500|47
            Bochum|Nordrhein-Westfalen|51.4818|7.2162|365|44
            Wuppertal|Nordrhein-Westfalen|51.2562|7.1508|355|42
            Bielefeld|Nordrhein-Westfalen|52.0302|8.5325|335|33
            Bonn|Nordrhein-Westfalen|50.7374|7.0982|330|53
            Münster|Nordrhein-Westfalen|51.9607|7.6261|315|48
            Mannheim|Baden-Württemberg|49.4875|8.4660|310|68
            Karlsruhe|Baden-Württemberg|49.0069|8.4037|305|76
            Augsburg|Bayern|48.3705|10.8978|300|86
            Wiesbaden|Hessen|50.0782|8.2398|280|65
            Kiel|Schleswig-Holstein|54.3233|10.1228|245|24
            Magdeburg|Sachsen-Anhalt|52.1205|11.6276|240|39
            Freiburg im Breisgau|Baden-Württemberg|47.9990|7.8421|230|79
            Mainz|Rheinland-Pfalz|49.9929|8.2473|220|55
            Erfurt|Thüringen|50.9848|11.0299|215|99
            Rostock|Mecklenburg-Vorpommern|54.0924|12.0991|210|18
            Potsdam|Brandenburg|52.3906|13.0645|185|14
            Saarbrücken|Saarland|49.2402|6.9969|180|66
            Regensburg|Bayern|49.0134|12.1016|155|93
            Schwerin|Mecklenburg-Vorpommern|53.6355|11.4012|96|19""",
        streets="""Hauptstraße, Schulstraße, Gartenstraße, Bahnhofstraße, Dorfstraße,
            Bergstraße, Birkenweg, Lindenstraße, Kirchstraße, Waldstraße, Ringstraße,
            Schillerstraße, Goethestraße, Jahnstraße, Am Sportplatz, Fasanenweg, Ahornweg,
            Lerchenweg, Raiffeisenstraße, Kirchgasse, Tannenweg, Danziger Straße, Mühlenweg,
            Rosenstraße, Beethovenstraße, Friedhofstraße, Wiesenweg, Industriestraße,
            Feldstraße, Am Bahnhof""",
        given="de",
        family="de",
        postcode_suffix="###",
        phone="0%##-#######|0%###-######|030-########|089-########",
        cell="015#-########|016#-#######|017#-#######",
        e164="+4915#########|+4916########|+4917#########",
        id_name="SVNR",
        id_template="%# {dd}{mm}{yy} {initial} ###",
        id_check="svnr",
        email="""gmail.com:32 web.de:20 gmx.de:17 t-online.de:10 outlook.de:5 yahoo.de:4
            gmx.net:5 icloud.com:4 freenet.de:3""",
        street_max=150,
        tld="de",
    ),
    CountryData(
        code="DK",
        name="Denmark",
        weight=1.0,
        tz="+1:00",
        cities="""København|Hovedstaden|55.6761|12.5683|650|12 14 15 16 17 21 23 24 25
            Aarhus|Midtjylland|56.1629|10.2039|290|80 82
            Odense|Syddanmark|55.4038|10.4024|180|50 52
            Aalborg|Nordjylland|57.0488|9.9217|120|90 92
            Frederiksberg|Hovedstaden|55.6786|12.5250|104|18 19 20
            Esbjerg|Syddanmark|55.4765|8.4594|72|67
            Randers|Midtjylland|56.4607|10.0364|63|89
            Kolding|Syddanmark|55.4904|9.4722|62|60
            Horsens|Midtjylland|55.8607|9.8503|61|87
            Vejle|Syddanmark|55.7113|9.5357|60|71
            Roskilde|Sjælland|55.6415|12.0803|52|40
            Herning|Midtjylland|56.1393|8.9738|50|74
            Silkeborg|Midtjylland|56.1697|9.5451|49|86
            Helsingør|Hovedstaden|56.0361|12.6136|47|30
            Næstved|Sjælland|55.2299|11.7609|44|47
            Fredericia|Syddanmark|55.5657|9.7526|41|70
            Viborg|Midtjylland|56.4532|9.4020|40|88
            Køge|Sjælland|55.4580|12.1821|38|46
            Holstebro|Midtjylland|56.3601|8.6161|36|75
            Slagelse|Sjælland|55.4028|11.3546|34|42
            Hillerød|Hovedstaden|55.9267|12.3109|33|34
            Sønderborg|Syddanmark|54.9138|9.7922|27|64
            Svendborg|Syddanmark|55.0598|10.6068|27|57
            Hørsholm|Hovedstaden|55.8803|12.5081|25|29
            Hjørring|Nordjylland|57.4642|9.9823|25|98
            Frederikshavn|Nordjylland|57.4407|10.5366|23|99""",
        streets="""Østergade, Vestergade, Nørregade, Søndergade, Algade, Bredgade, Strøget,
            Vesterbrogade, Nørrebrogade, Jernbanegade, Skolevej, Kirkevej, Møllevej, Søtoften,
            Orevej, Lyngtoften, Brogade, Gudenåvej, Kløvervej, Engtoften, Plantagevej,
            H.C. Lumbyes Vej, Bøgevej, Rosenvænget, Strandvejen""",
        given="da",
        family="da",
        postcode_suffix="##",
        phone="%#######",
        cell="2#######|3#######|4#######|5#######|6#######",
        e164="+452#######|+453#######|+454#######|+455#######",
        id_name="CPR",
        id_template="{dd}{mm}{yy}-####",
        id_check=None,
        email="""gmail.com:40 hotmail.com:14 outlook.dk:6 live.dk:6 yahoo.dk:5 mail.dk:5
            icloud.com:8 jubii.dk:3 stofanet.dk:4 mail.tele.dk:6""",
        street_max=120,
        tld="dk",
    ),
    CountryData(
        code="ES",
        name="Spain",
        weight=5.0,
        tz="+1:00",
        cities="""Madrid|Comunidad de Madrid|40.4168|-3.7038|3300|28
            Barcelona|Cataluña|41.3874|2.1686|1640|08
            Valencia|Comunidad Valenciana|39.4699|-0.3763|800|46
            Sevilla|Andalucía|37.3891|-5.9845|685|41
            Zaragoza|Aragón|41.6488|-0.8891|675|50
            Málaga|Andalucía|36.7213|-4.4214|580|29
            Murcia|Región de Murcia|37.9922|-1.1307|460|30
            Palma|Islas Baleares|39.5696|2.6502|420|07
            Las Palmas de Gran Canaria|Canarias|28.1235|-15.4363|380|35|0:00
            Bilbao|País Vasco|43.2630|-2.9350|345|48
            Alicante|Comunidad Valenciana|38.3452|-0.4810|335|03
            Córdoba|Andalucía|37.8882|-4.7794|320|14
            Valladolid|Castilla y León|41.6523|-4.7245|300|47
            Vigo|Galicia|42.2406|-8.7207|295|36
            Gijón|Asturias|43.5322|-5.6611|270|33
            L'Hospitalet de Llobregat|Cataluña|41.3596|2.0998|265|08
            Vitoria-Gasteiz|País Vasco|42.8467|-2.6716|255|01
            A Coruña|Galicia|43.3623|-8.4115|245|15
            Elche|Comunidad Valenciana|38.2699|-0.7126|235|03
            Granada|Andalucía|37.1773|-3.5986|230|18
            Oviedo|Asturias|43.3619|-5.8494|220|33
            Santa Cruz de Tenerife|Canarias|28.4636|-16.2518|210|38|0:00
            Pamplona|Navarra|42.8125|-1.6458|205|31
            Santander|Cantabria|43.4623|-3.8099|172|39
            Logroño|La Rioja|42.4627|-2.4450|152|26
            Badajoz|Extremadura|38.8794|-6.9707|150|06
            Salamanca|Castilla y León|40.9701|-5.6635|144|37
            Toledo|Castilla-La Mancha|39.8628|-4.0273|85|45""",
        streets="""Calle Mayor, Calle Real, Gran Vía, Calle de Alcalá, Calle de Segovia,
            Calle de Tetuán, Calle de Téllez, Avenida de la Constitución, Plaza Mayor,
            Calle del Sol, Calle de la Iglesia, Paseo de la Castellana, Calle Nueva,
            Calle San José, Calle Santiago, Avenida de Andalucía, Calle de Atocha,
            Calle de Toledo, Calle de Serrano, Rambla de Catalunya, Calle de la Luna,
            Calle del Carmen, Calle Cervantes, Avenida de España, Calle de Colón""",
        given="es",
        family="es",
        postcode_suffix="###",
        phone="91#-###-###|93#-###-###|95#-###-###|96#-###-###|98#-###-###",
        cell="6##-###-###|7##-###-###",
        e164="+346########|+347########",
        id_name="DNI",
        id_template="########-@",
        id_check="dni",
        email="""gmail.com:55 hotmail.es:15 yahoo.es:8 outlook.es:8 hotmail.com:5
            icloud.com:5 telefonica.net:4""",
        street_max=200,
        tld="es",
    ),
    CountryData(
        code="FI",
        name="Finland",
        weight=1.0,
        tz="+2:00",
        cities="""Helsinki|Uusimaa|60.1699|24.9384|660|00
            Espoo|Uusimaa|60.2055|24.6559|300|02
            Tampere|Pirkanmaa|61.4978|23.7610|250|33
            Vantaa|Uusimaa|60.2934|25.0378|240|01
            Oulu|North Ostrobothnia|65.0121|25.4651|210|90
            Turku|Southwest Finland|60.4518|22.2666|200|20
            Jyväskylä|Central Finland|62.2426|25.7473|145|40
            Kuopio|North Savo|62.8924|27.6770|120|70
            Lahti|Päijät-Häme|60.9827|25.6612|120|15
            Pori|Satakunta|61.4851|21.7974|84|28
            Kouvola|Kymenlaakso|60.8681|26.7042|80|45
            Joensuu|North Karelia|62.6010|29.7636|77|80
            Lappeenranta|South Karelia|61.0587|28.1887|73|53
            Hämeenlinna|Tavastia Proper|60.9959|24.4643|68|13
            Vaasa|Ostrobothnia|63.0951|21.6165|68|65
            Seinäjoki|South Ostrobothnia|62.7903|22.8403|65|60
            Rovaniemi|Lapland|66.5039|25.7294|64|96
            Mikkeli|Southern Savonia|61.6886|27.2723|52|50
            Kotka|Kymenlaakso|60.4664|26.9458|51|48
            Salo|Southwest Finland|60.3831|23.1330|51|24
            Porvoo|Uusimaa|60.3932|25.6650|51|06
            Kokkola|Central Ostrobothnia|63.8385|23.1307|48|67
            Kajaani|Kainuu|64.2273|27.7285|36|87
            Mariehamn|Åland|60.0973|19.9348|12|22""",
        streets="""Mannerheimintie, Hämeenkatu, Aleksanterinkatu, Esplanadi, Kauppakatu,
            Kirkkokatu, Koulukatu, Rantatie, Puistokatu, Satamakatu, Suvantokatu, Bulevardi,
            Myllypuronkatu, Tehtaankatu, Pispalan Valtatie, Hatanpään Valtatie,
            Itsenäisyydenkatu, Kalevankatu, Hakaniemenranta, Mäkelänkatu, Pohjoisesplanadi,
            Verkatehtaankatu, Linnankatu, Vapaudenkatu""",
        given="fi",
        family="fi",
        postcode_suffix="###",
        phone="0%-###-###|09-###-####",
        cell="040-###-##-##|044-###-##-##|050-###-##-##",
        e164="+35840#######|+35844#######|+35850#######",
        id_name="HETU",
        id_template="{dd}{mm}{yy}{century}###@",
        id_check="hetu",
        email="""gmail.com:45 hotmail.com:10 outlook.com:8 luukku.com:8 suomi24.fi:6
            elisanet.fi:5 yahoo.com:5 icloud.com:6 saunalahti.fi:4 kolumbus.fi:3""",
        street_max=120,
        tld="fi",
    ),
    CountryData(
        code="FR",
        name="France",
        weight=8.0,
        tz="+1:00",
        cities="""Paris|Île-de-France|48.8566|2.3522|2150|750
            Marseille|Provence-Alpes-Côte d'Azur|43.2965|5.3698|870|130
            Lyon|Auvergne-Rhône-Alpes|45.7640|4.8357|520|690
            Toulouse|Occitanie|43.6047|1.4442|500|310
            Nice|Provence-Alpes-Côte d'Azur|43.7102|7.2620|345|060
            Nantes|Pays de la Loire|47.2184|-1.5536|320|440
            Montpellier|Occitanie|43.6108|3.8767|300|340
            Strasbourg|Grand Est|48.5734|7.7521|290|670
            Bordeaux|Nouvelle-Aquitaine|44.8378|-0.5792|260|330
            Lille|Hauts-de-France|50.6292|3.0573|235|590
            Rennes|Bretagne|48.1173|-1.6778|225|350
            Reims|Grand Est|49.2583|4.0317|180|510
            Toulon|Provence-Alpes-Côte d'Azur|43.1242|5.9280|180|830
            Saint-Étienne|Auvergne-Rhône-Alpes|45.4397|4.3872|175|420
            Le Havre|Normandie|49.4944|0.1079|170|766
            Grenoble|Auvergne-Rhône-Alpes|45.1885|5.7245|160|380
            Dijon|Bourgogne-Franche-Comté|47.3220|5.0415|160|210
            Angers|Pays de la Loire|47.4784|-0.5632|157|490
            Nîmes|Occitanie|43.8367|4.3601|150|300
            Clermont-Ferrand|Auvergne-Rhône-Alpes|45.7772|3.0870|147|630
            Le Mans|Pays de la Loire|48.0061|0.1996|145|720
            Aix-en-Provence|Provence-Alpes-Côte d'Azur|43.5297|5.4474|145|131
            Brest|Bretagne|48.3904|-4.4861|140|292
            Tours|Centre-Val de Loire|47.3941|0.6848|137|370
            Amiens|Hauts-de-France|49.8941|2.2958|134|800
            Limoges|Nouvelle-Aquitaine|45.8336|1.2611|131|870
            Boulogne-Billancourt|Île-de-France|48.8397|2.2399|121|921
            Perpignan|Occitanie|42.6887|2.8948|120|660
            Metz|Grand Est|49.1193|6.1757|118|570
            Besançon|Bourgogne-Franche-Comté|47.2378|6.0241|117|250
            Orléans|Centre-Val de Loire|47.9030|1.9093|116|450
            Rouen|Normandie|49.4432|1.0999|112|760
            Argenteuil|Île-de-France|48.9472|2.2467|110|951
            Ajaccio|Corse|41.9192|8.7386|72|200""",
        streets="""Rue de la République, Rue Victor-Hugo, Rue de la Paix, Avenue Jean-Jaurès,
            Rue Pasteur, Rue du Moulin, Place de la Mairie, Rue de l'Église, Grande Rue,
            Boulevard Voltaire, Rue Nationale, Rue des Écoles, Avenue de la Libération,
            Rue Gambetta, Rue Jules-Ferry, Rue du Stade, Quai Chauveau, Rue Abel,
            Rue André-Gide, Rue Bataille, Rue Chazière, Chemin des Vignes, Rue Saint-Georges,
            Place du Marché, Avenue Foch, Rue de la Gare, Impasse des Lilas,
            Allée des Tilleuls""",
        given="fr",
        family="fr",
        postcode_suffix="##",
        phone="01-##-##-##-##|02-##-##-##-##|03-##-##-##-##|04-##-##-##-##|05-##-##-##-##",
        cell="06-##-##-##-##|07-##-##-##-##",
        e164="+336########|+337########",
        id_name="INSEE",
        id_template="{sex}{yy}{mm}%####### ##",
        id_check="insee",
        email="""gmail.com:38 orange.fr:14 hotmail.fr:10 free.fr:8 laposte.net:6 sfr.fr:6
            yahoo.fr:7 outlook.fr:5 wanadoo.fr:3 icloud.com:3""",
        street_max=150,
        tld="fr",
    ),
    CountryData(
        code="GB",
        name="United Kingdom",
        weight=8.0,
        tz="0:00",
        cities="""London|Greater London|51.5074|-0.1278|8900|SW1A SW11 SE1 E1 E14 N1 NW3 W2 EC1
            Birmingham|West Midlands|52.4862|-1.8904|1150|B1 B5 B13 B15 B29
            Leeds|West Yorkshire|53.8008|-1.5491|800|LS1 LS6 LS8 LS17
            Glasgow|Glasgow City|55.8642|-4.2518|630|G1 G3 G12 G41
            Sheffield|South Yorkshire|53.3811|-1.4701|585|S1 S10 S11
            Manchester|Greater Manchester|53.4808|-2.2426|550|M1 M4 M14 M20 M21
            Edinburgh|City of Edinburgh|55.9533|-3.1883|525|EH1 EH3 EH10
            Liverpool|Merseyside|53.4084|-2.9916|500|L1 L8 L17 L18
            Bristol|Bristol|51.4545|-2.5879|470|BS1 BS6 BS8
            Leicester|Leicestershire|52.6369|-1.1398|370|LE1 LE2 LE3
            Coventry|West Midlands|52.4068|-1.5197|370|CV1 CV3 CV5
            Cardiff|South Glamorgan|51.4816|-3.1791|360|CF10 CF11 CF23
            Bradford|West Yorkshire|53.7960|-1.7594|350|BD1 BD7
            Belfast|County Antrim|54.5973|-5.9301|345|BT1 BT7 BT9
            Nottingham|Nottinghamshire|52.9548|-1.1581|330|NG1 NG5 NG7
            Newcastle upon Tyne|Tyne and Wear|54.9783|-1.6178|300|NE1 NE4 NE6
            Plymouth|Devon|50.3755|-4.1427|265|PL1 PL4
            Stoke-on-Trent|Staffordshire|53.0027|-2.1794|255|ST1 ST4
            Southampton|Hampshire|50.9097|-1.4044|250|SO14 SO15 SO17
            Swansea|West Glamorgan|51.6214|-3.9436|245|SA1 SA2
            Brighton|East Sussex|50.8225|-0.1372|230|BN1 BN2
            Portsmouth|Hampshire|50.8198|-1.0880|210|PO1 PO4 PO5
            York|North Yorkshire|53.9590|-1.0815|210|YO1 YO10 YO31
            Aberdeen|Aberdeen City|57.1497|-2.0943|200|AB10 AB11
            Reading|Berkshire|51.4543|-0.9781|175|RG1 RG2 RG30
            Oxford|Oxfordshire|51.7520|-1.2577|155|OX1 OX2 OX4
            Dundee|Dundee City|56.4620|-2.9707|150|DD1 DD2
            Norwich|Norfolk|52.6309|1.2974|145|NR1 NR2
            Cambridge|Cambridgeshire|52.2053|0.1218|145|CB1 CB2 CB4
            Exeter|Devon|50.7184|-3.5339|130|EX1 EX4
            St Albans|Hertfordshire|51.7520|-0.3360|85|AL1 AL3
            Truro|Cornwall|50.2632|-5.0510|20|TR1""",
        streets="""High Street, Station Road, Main Street, Park Road, Church Road,
            Church Street, London Road, Victoria Road, Green Lane, Manor Road, Church Lane,
            Park Avenue, The Avenue, The Crescent, Queens Road, New Road, Grange Road,
            Kings Road, Kingsway, Windsor Road, Highfield Road, Mill Lane, Alexander Road,
            York Road, Manchester Road, Rectory Lane, Brick Kiln Road, Queensway, North Road,
            Springfield Road""",
        given="en",
        family="en",
        postcode_suffix=" #££",
        phone="01### ######|020 #### ####|0113 ### ####|0161 ### ####",
        cell="07### ######",
        e164="+447#########",
        id_name="NINO",
        id_template="@@ ## ## ## @",
        id_check="nino",
        email="""gmail.com:42 hotmail.co.uk:12 yahoo.co.uk:10 outlook.com:8 icloud.com:7
            btinternet.com:7 sky.com:5 live.co.uk:4 virginmedia.com:3 aol.com:2""",
        street_max=250,
        tld="co.uk",
    ),
    CountryData(
        code="IE",
        name="Ireland",
        weight=1.0,
        tz="0:00",
        cities="""Dublin|Dublin|53.3498|-6.2603|1200|D01 D02 D04 D06 D08 D12 D15 D24
            Cork|Cork|51.8985|-8.4756|210|T12 T23
            Limerick|Limerick|52.6638|-8.6267|95|V94
            Galway|Galway|53.2707|-9.0568|85|H91
            Waterford|Waterford|52.2593|-7.1101|60|X91
            Drogheda|Louth|53.7179|-6.3561|44|A92
            Swords|Dublin|53.4597|-6.2181|40|K67
            Dundalk|Louth|54.0090|-6.4049|39|A91
            Bray|Wicklow|53.2028|-6.0983|33|A98
            Navan|Meath|53.6528|-6.6814|30|C15
            Kilkenny|Kilkenny|52.6541|-7.2448|27|R95
            Ennis|Clare|52.8436|-8.9864|26|V95
            Carlow|Carlow|52.8365|-6.9341|24|R93
            Tralee|Kerry|52.2713|-9.6999|23|V92
            Newbridge|Kildare|53.1819|-6.7967|23|W12
            Portlaoise|Laois|53.0344|-7.2998|23|R32
            Balbriggan|Dublin|53.6128|-6.1819|22|K32
            Naas|Kildare|53.2159|-6.6669|22|W91
            Athlone|Westmeath|53.4239|-7.9407|22|N37
            Mullingar|Westmeath|53.5259|-7.3381|21|N91
            Wexford|Wexford|52.3369|-6.4633|21|Y35
            Letterkenny|Donegal|54.9558|-7.7342|20|F92
            Sligo|Sligo|54.2766|-8.4761|20|F91
            Clonmel|Tipperary|52.3558|-7.7039|17|E91
            Castlebar|Mayo|53.8550|-9.2879|13|F23
            Westport|Mayo|53.8008|-9.5228|6|F28""",
        streets="""Main Street, O'Connell Street, Grafton Street, Patrick Street, Shop Street,
            Church Street, Bridge Street, Castle Street, New Street, Mill Street,
            Green Street, Dublin Road, Strand Road, George Street, Park Road, Park Avenue,
            Park Lane, Rookery Road, North Street, West Street, O'Connell Avenue,
            Pearse Street, Parnell Street, Abbey Street, Cathedral Road""",
        given="en+ie",
        family="ie",
        postcode_suffix=" ¤¤¤¤",
        phone="01-###-####|021-###-####|061-###-####|091-###-####|0%#-###-####",
        cell="083-###-####|085-###-####|086-###-####|087-###-####|089-###-####",
        e164="+35383#######|+35385#######|+35386#######|+35387#######",
        id_name="PPS",
        id_template="#######@",
        id_check="pps",
        email="""gmail.com:52 hotmail.com:12 eircom.net:10 outlook.com:8 yahoo.ie:8
            icloud.com:8 live.ie:2""",
        street_max=150,
        tld="ie",
    ),
    CountryData(
        code="IN",
        name="India",
        weight=9.0,
        tz="+5:30",
        cities="""Mumbai|Maharashtra|19.0760|72.8777|12500|400
            Delhi|Delhi|28.7041|77.1025|11000|110
            Bengaluru|Karnataka|12.9716|77.5946|8400|560
            Hyderabad|Telangana|17.3850|78.4867|6800|500
            Ahmedabad|Gujarat|23.0225|72.5714|5600|380
            Chennai|Tamil Nadu|13.0827|80.2707|4650|600
            Kolkata|West Bengal|22.5726|88.3639|4500|700
            Surat|Gujarat|21.1702|72.8311|4500|395
            Pune|Maharashtra|18.5204|73.8567|3100|411
            Jaipur|Rajasthan|26.9124|75.7873|3050|302
            Lucknow|Uttar Pradesh|26.8467|80.9462|2800|226
            Kanpur|Uttar Pradesh|26.4499|80.3319|2750|208
            Nagpur|Maharashtra|21.1458|79.0882|2400|440
            Indore|Madhya Pradesh|22.7196|75.8577|1950|452
            Thane|Maharashtra|19.2183|72.9781|1850|400
            Bhopal|Madhya Pradesh|23.2599|77.4126|1800|462
            Visakhapatnam|Andhra Pradesh|17.6868|83.2185|1730|530
            Patna|Bihar|25.5941|85.1376|1680|800
            Vadodara|Gujarat|22.3072|73.1812|1670|390
            Ludhiana|Punjab|30.9010|75.8573|1620|141
            Agra|Uttar Pradesh|27.1767|78.0081|1590|282
            Nashik|Maharashtra|19.9975|73.7898|1490|422
            Ranchi|Jharkhand|23.3441|85.3096|1070|834
            Coimbatore|Tamil Nadu|11.0168|76.9558|1050|641
            Guwahati|Assam|26.1445|91.7362|960|781
            Chandigarh|Chandigarh|30.7333|76.7794|960|160
            Bhubaneswar|Odisha|20.2961|85.8245|840|751
            Thiruvananthapuram|Kerala|8.5241|76.9366|750|695
            Kochi|Kerala|9.9312|76.2673|600|682
            Aizawl|Mizoram|23.7271|92.7176|290|796""",
        streets="""MG Road, Brigade Road, Station Road, Church Street, Park Street,
            Linking Road, Nehru Road, Gandhi Road, Netaji Subhash Marg, Residency Road,
            Mall Road, Racecourse Road, Commercial Street, Anna Salai, Ashram Road, Hill Road,
            Lake Road, Tilak Road, College Road, Ring Road, Temple Street, Market Road""",
        given="hi",
        family="hi",
        postcode_suffix="###",
        phone="0%#-########",
        cell="9#########|8#########|7#########|6#########",
        e164="+919#########|+918#########|+917#########|+916#########",
        id_name="UIDAI",
        id_template="^###########",
        id_check="verhoeff",
        email="""gmail.com:68 yahoo.co.in:10 rediffmail.com:8 outlook.com:6 hotmail.com:5
            yahoo.com:3""",
        street_max=500,
        tld="in",
    ),
    CountryData(
        code="IR",
        name="Iran",
        weight=3.0,
        tz="+3:30",
        cities="""تهران|تهران|35.6892|51.3890|8700|1
            مشهد|خراسان رضوی|36.2605|59.6168|3000|9
            اصفهان|اصفهان|32.6546|51.6680|1960|8
            کرج|البرز|35.8400|50.9391|1590|3
            شیراز|فارس|29.5918|52.5837|1570|7
            تبریز|آذربایجان شرقی|38.0800|46.2919|1560|5
            قم|قم|34.6399|50.8759|1200|3
            اهواز|خوزستان|31.3183|48.6706|1180|6
            کرمانشاه|کرمانشاه|34.3142|47.0650|950|6
            ارومیه|آذربایجان غربی|37.5527|45.0761|740|5
            رشت|گیلان|37.2808|49.5832|680|4
            زاهدان|سیستان و بلوچستان|29.4963|60.8629|590|9
            همدان|همدان|34.7992|48.5146|550|6
            کرمان|کرمان|30.2839|57.0834|540|7
            یزد|یزد|31.8974|54.3569|530|8
            اردبیل|اردبیل|38.2498|48.2933|530|5
            بندرعباس|هرمزگان|27.1832|56.2666|530|7
            اراک|مرکزی|34.0954|49.7013|520|3
            زنجان|زنجان|36.6736|48.4787|430|4
            سنندج|کردستان|35.3219|46.9862|410|6
            قزوین|قزوین|36.2797|50.0049|400|3
            خرم‌آباد|لرستان|33.4878|48.3558|370|6
            گرگان|گلستان|36.8456|54.4393|350|4
            ساری|مازندران|36.5633|53.0601|300|4
            بجنورد|خراسان شمالی|37.4747|57.3290|230|9
            بوشهر|بوشهر|28.9234|50.8203|220|7
            شهرکرد|چهارمحال و بختیاری|32.3256|50.8644|190|8""",
        streets="""ولیعصر, انقلاب, آزادی, شریعتی, طالقانی, پارک طالقانی, شهید بهشتی, کارگر,
            جمهوری, فردوسی, حافظ, سعدی, مطهری, امام خمینی, کریمخان زند, میرداماد, دکتر فاطمی,
            شهید کشواد, هویزه, نیاوران, پاسداران, ستارخان, دماوند, استاد معین""",
        given="fa",
        family="fa",
        postcode_suffix="#########",
        phone="021-########|031-########|051-########|0%#-########",
        cell="0912-###-####|0935-###-####|0919-###-####|0901-###-####",
        e164="+98912#######|+98935#######|+98919#######|+98901#######",
        id_name="",
        id_template=None,
        id_check=None,
        email="gmail.com:70 yahoo.com:15 chmail.ir:5 outlook.com:5 hotmail.com:5",
        street_max=300,
        tld="ir",
    ),
    CountryData(
        code="MX",
        name="Mexico",
        weight=5.0,
        tz="-6:00",
        cities="""Ciudad de México|Ciudad de México|19.4326|-99.1332|9200|01 03 06 11 14
            Tijuana|Baja California|32.5149|-117.0382|1920|22|-8:00
            León|Guanajuato|21.1220|-101.6840|1720|37
            Puebla|Puebla|19.0414|-98.2063|1690|72
            Ciudad Juárez|Chihuahua|31.6904|-106.4245|1510|32|-7:00
            Guadalajara|Jalisco|20.6597|-103.3496|1500|44
            Zapopan|Jalisco|20.7214|-103.3918|1480|45
            Monterrey|Nuevo León|25.6866|-100.3161|1140|64
            Mexicali|Baja California|32.6245|-115.4523|1050|21|-8:00
            Querétaro|Querétaro|20.5888|-100.3899|1050|76
            Culiacán|Sinaloa|24.8091|-107.3940|1000|80|-7:00
            Mérida|Yucatán|20.9674|-89.5926|990|97
            Aguascalientes|Aguascalientes|21.8853|-102.2916|950|20
            Hermosillo|Sonora|29.0729|-110.9559|940|83|-7:00
            Chihuahua|Chihuahua|28.6353|-106.0889|940|31
            San Luis Potosí|San Luis Potosí|22.1565|-100.9855|910|78
            Toluca|Estado de México|19.2826|-99.6557|910|50
            Cancún|Quintana Roo|21.1619|-86.8515|890|77|-5:00
            Saltillo|Coahuila|25.4232|-101.0053|880|25
            Morelia|Michoacán|19.7060|-101.1950|850|58
            Acapulco|Guerrero|16.8531|-99.8237|780|39
            Durango|Durango|24.0277|-104.6532|690|34
            Villahermosa|Tabasco|17.9892|-92.9475|680|86
            Veracruz|Veracruz|19.1738|-96.1342|610|91
            Tuxtla Gutiérrez|Chiapas|16.7516|-93.1161|600|29
            Oaxaca de Juárez|Oaxaca|17.0732|-96.7266|270|68
            Zacatecas|Zacatecas|22.7709|-102.5832|150|98
            Tlaxcala|Tlaxcala|19.3182|-98.2375|100|90""",
        streets="""Avenida Insurgentes, Paseo de la Reforma, Calle Juárez, Avenida Hidalgo,
            Calle Morelos, Calle Benito Juárez, Avenida Revolución, Calle 5 de Mayo,
            Calle Allende, Calle Zaragoza, Avenida Madero, Calle Guerrero,
            Calle Independencia, Peatonal del Río, Diagonal Sur Barrientos,
            Callejón Sur Naranjo, Diagonal Herrera, Privada Italia, Continuación Franco,
            Calle Emiliano Zapata, Avenida Universidad, Calle Niños Héroes, Calle Aldama,
            Calle Matamoros""",
        given="es",
        family="es",
        postcode_suffix="###",
        phone="(55) #### ####|(33) #### ####|(81) #### ####|(%##) ### ####",
        cell="(55) #### ####|(33) #### ####|(%##) ### ####",
        e164="+52%#########",
        id_name="NSS",
        id_template="## ## ## #### #",
        id_check="luhn",
        email="""gmail.com:55 hotmail.com:22 yahoo.com.mx:10 outlook.com:8 live.com.mx:3
            prodigy.net.mx:2""",
        street_max=2000,
        tld="com.mx",
    ),
    CountryData(
        code="NL",
        name="Netherlands",
        weight=3.0,
        tz="+1:00",
        cities="""Amsterdam|Noord-Holland|52.3676|4.9041|920|10
            Rotterdam|Zuid-Holland|51.9244|4.4777|655|30
            Den Haag|Zuid-Holland|52.0705|4.3007|550|25
            Utrecht|Utrecht|52.0907|5.1214|360|35
            Eindhoven|Noord-Brabant|51.4416|5.4697|240|56
            Groningen|Groningen|53.2194|6.5665|235|97
            Tilburg|Noord-Brabant|51.5555|5.0913|225|50
            Almere|Flevoland|52.3508|5.2647|220|13
            Breda|Noord-Brabant|51.5719|4.7683|185|48
            Nijmegen|Gelderland|51.8126|5.8372|180|65
            Apeldoorn|Gelderland|52.2112|5.9699|165|73
            Arnhem|Gelderland|51.9851|5.8987|165|68
            Haarlem|Noord-Holland|52.3874|4.6462|163|20
            Enschede|Overijssel|52.2215|6.8937|160|75
            Amersfoort|Utrecht|52.1561|5.3878|158|38
            Zaanstad|Noord-Holland|52.4559|4.8135|157|15
            's-Hertogenbosch|Noord-Brabant|51.6978|5.3037|155|52
            Zwolle|Overijssel|52.5168|6.0830|130|80
            Leiden|Zuid-Holland|52.1601|4.4970|125|23
            Leeuwarden|Friesland|53.2012|5.7999|125|89
            Maastricht|Limburg|50.8514|5.6909|121|62
            Dordrecht|Zuid-Holland|51.8133|4.6901|120|33
            Emmen|Drenthe|52.7792|6.9061|107|78
            Venlo|Limburg|51.3704|6.1724|102|59
            Lelystad|Flevoland|52.5185|5.4714|80|82
            Assen|Drenthe|52.9925|6.5649|68|94
            Middelburg|Zeeland|51.4988|3.6136|49|43""",
        streets="""Kerkstraat, Schoolstraat, Molenstraat, Dorpsstraat, Stationsweg,
            Julianastraat, Wilhelminastraat, Beatrixstraat, Nieuwstraat, Markt,
            Prinsengracht, Keizersgracht, Herengracht, Hoofdstraat, Parallelweg, Sportlaan,
            Lindelaan, Eikenlaan, Bontekoestraat, Caddenbosch, Henk Lensenlaan,
            Dr. Banningstraat, Johannes Uitenbogaertstraat, Raadhuisstraat,
            Burgemeester de Withstraat""",
        given="nl",
        family="nl",
        postcode_suffix="## @@",
        phone="(020) %######|(010) %######|(030) %######|(0%##) %#####",
        cell="(06) ########",
        e164="+316########",
        id_name="BSN",
        id_template="#########",
        id_check="bsn",
        email="""gmail.com:40 hotmail.com:14 outlook.com:8 ziggo.nl:10 kpnmail.nl:7 live.nl:6
            icloud.com:5 home.nl:4 planet.nl:3 xs4all.nl:3""",
        street_max=200,
        tld="nl",
    ),
    CountryData(
        code="NO",
        name="Norway",
        weight=1.0,
        tz="+1:00",
        cities="""Oslo|Oslo|59.9139|10.7522|700|01 02 03 04 05 06
            Bergen|Vestland|60.3913|5.3221|290|50 51 52
            Trondheim|Trøndelag|63.4305|10.3951|210|70 74
            Stavanger|Rogaland|58.9700|5.7331|145|40
            Bærum|Akershus|59.8906|10.5265|130|13
            Kristiansand|Agder|58.1599|8.0182|115|46
            Drammen|Buskerud|59.7439|10.2045|103|30
            Asker|Akershus|59.8333|10.4333|96|13
            Lillestrøm|Akershus|59.9560|11.0497|90|20
            Fredrikstad|Østfold|59.2181|10.9298|85|16
            Sandnes|Rogaland|58.8517|5.7355|82|43
            Tromsø|Troms|69.6492|18.9553|78|90
            Ålesund|Møre og Romsdal|62.4722|6.1495|67|60
            Sandefjord|Vestfold|59.1312|10.2166|65|32
            Sarpsborg|Østfold|59.2839|11.1097|58|17
            Tønsberg|Vestfold|59.2675|10.4076|58|31
            Skien|Telemark|59.2096|9.6090|55|37
            Bodø|Nordland|67.2804|14.4049|53|80
            Larvik|Vestfold|59.0533|10.0352|48|32
            Arendal|Agder|58.4618|8.7724|45|48
            Haugesund|Rogaland|59.4138|5.2680|38|55
            Hamar|Innlandet|60.7945|11.0680|32|23
            Molde|Møre og Romsdal|62.7375|7.1591|32|64
            Gjøvik|Innlandet|60.7957|10.6916|30|28
            Lillehammer|Innlandet|61.1153|10.4662|29|26
            Harstad|Troms|68.7983|16.5417|25|94
            Alta|Finnmark|69.9689|23.2716|21|95""",
        streets="""Storgata, Kirkegata, Dronningens gate, Kongens gate, Karl Johans gate,
            Skolegata, Torggata, Parkveien, Bjørkeveien, Granveien, Hollendergata,
            Professor Lochmanns gate, Alunsjøveien, Krokstien, Hockeyveien, Spireaveien,
            Sigurd Syrs gate, Fjellveien, Strandgata, Sjøgata, Bekkeveien, Lienga,
            Trondheimsveien, Grensen""",
        given="no",
        family="no",
        postcode_suffix="##",
        phone="2#######|3#######|5#######|6#######|7#######",
        cell="4#######|9#######",
        e164="+474#######|+479#######",
        id_name="FN",
        id_template="{dd}{mm}{yy}#####",
        id_check="fnr",
        email="""gmail.com:45 hotmail.com:12 online.no:10 outlook.com:8 yahoo.no:5
            icloud.com:8 live.no:5 getmail.no:4""",
        street_max=120,
        tld="no",
    ),
    CountryData(
        code="NZ",
        name="New Zealand",
        weight=1.0,
        tz="+12:00",
        cities="""Auckland|Auckland|-36.8485|174.7633|1700|06 10 20 21
            Christchurch|Canterbury|-43.5321|172.6362|390|80 81
            Wellington|Wellington|-41.2865|174.7762|215|60 61
            Hamilton|Waikato|-37.7870|175.2793|180|32
            Tauranga|Bay of Plenty|-37.6878|176.1651|160|31
            Dunedin|Otago|-45.8788|170.5028|135|90
            Lower Hutt|Wellington|-41.2092|174.9081|112|50
            Palmerston North|Manawatū-Whanganui|-40.3523|175.6082|90|44
            Napier|Hawke's Bay|-39.4928|176.9120|67|41
            Porirua|Wellington|-41.1339|174.8400|60|50
            Rotorua|Bay of Plenty|-38.1368|176.2497|60|30
            New Plymouth|Taranaki|-39.0556|174.0752|60|43
            Nelson|Nelson|-41.2706|173.2840|55|70
            Whangārei|Northland|-35.7251|174.3237|55|01
            Hastings|Hawke's Bay|-39.6381|176.8492|50|41
            Invercargill|Southland|-46.4132|168.3538|50|98
            Whanganui|Manawatū-Whanganui|-39.9301|175.0479|42|45
            Gisborne|Gisborne|-38.6623|178.0176|38|40
            Blenheim|Marlborough|-41.5134|173.9612|30|72
            Timaru|Canterbury|-44.3970|171.2550|29|79
            Masterton|Wellington|-40.9597|175.6575|22|58
            Queenstown|Otago|-45.0312|168.6626|16|93
            Richmond|Tasman|-41.3375|173.1840|15|70
            Greymouth|West Coast|-42.4504|171.2108|8|78""",
        streets="""Queen Street, Ponsonby Road, Karangahape Road, Lambton Quay, Cuba Street,
            Colombo Street, Riccarton Road, Victoria Street, Great North Road,
            Dominion Road, George Street, High Street, Domain Road, Port Hills Road,
            Collingwood Street, Kahikatea Drive, Manuka Street, Totara Avenue, Kauri Street,
            Rimu Road, Pohutukawa Avenue, Beach Road, Marine Parade, Devon Street""",
        given="en",
        family="en",
        postcode_suffix="##",
        phone="(03)-###-####|(04)-###-####|(06)-###-####|(07)-###-####|(09)-###-####",
        cell="(021)-###-####|(022)-###-####|(027)-###-####",
        e164="+6421#######|+6427#######",
        id_name="",
        id_template=None,
        id_check=None,
        email="""gmail.com:45 xtra.co.nz:15 hotmail.com:10 outlook.com:8 yahoo.co.nz:6
            icloud.com:10 slingshot.co.nz:3 orcon.net.nz:3""",
        street_max=300,
        tld="co.nz",
    ),
    CountryData(
        code="RS",
        name="Serbia",
        weight=1.5,
        tz="+1:00",
        cities="""Belgrade|City of Belgrade|44.7866|20.4489|1380|11
            Novi Sad|South Bačka|45.2671|19.8335|340|21
            Niš|Nišava|43.3209|21.8958|260|18
            Kragujevac|Šumadija|44.0128|20.9114|170|34
            Subotica|North Bačka|46.1003|19.6658|105|24
            Zrenjanin|Central Banat|45.3816|20.3686|75|23
            Pančevo|South Banat|44.8708|20.6403|75|26
            Čačak|Moravica|43.8914|20.3497|70|32
            Novi Pazar|Raška|43.1367|20.5122|70|36
            Kraljevo|Raška|43.7258|20.6896|65|36
            Smederevo|Podunavlje|44.6628|20.9300|60|11
            Leskovac|Jablanica|42.9981|21.9461|60|16
            Valjevo|Kolubara|44.2751|19.8982|58|14
            Kruševac|Rasina|43.5800|21.3339|57|37
            Vranje|Pčinja|42.5514|21.9003|55|17
            Šabac|Mačva|44.7489|19.6908|53|15
            Užice|Zlatibor|43.8556|19.8425|50|31
            Sombor|West Bačka|45.7742|19.1122|47|25
            Požarevac|Braničevo|44.6192|21.1837|44|12
            Pirot|Pirot|43.1531|22.5860|38|18
            Kikinda|North Banat|45.8297|20.4653|37|23
            Sremska Mitrovica|Srem|44.9764|19.6122|37|22
            Jagodina|Pomoravlje|43.9771|21.2612|37|35
            Zaječar|Zaječar|43.9036|22.2741|35|19
            Bor|Bor|44.0749|22.0959|34|19
            Prokuplje|Toplica|43.2342|21.5881|27|18""",
        streets="""Knez Mihailova, Kralja Petra, Bulevar oslobođenja, Nemanjina, Kneza Miloša,
            Cara Dušana, Njegoševa, Vojvode Mišića, Kralja Aleksandra, Takovska,
            Gundulićev venac, Dvadesetdevetog Novembra, Draginje Vlašić, Vinogradarska,
            Belasička, Miloša Bajića, Trinaestog Oktobra, Svetog Save, Vuka Karadžića,
            Karađorđeva, Dositejeva, Zmaj Jovina, Cvijićeva""",
        given="sr",
        family="sr",
        postcode_suffix="###",
        phone="011-####-###|021-####-###|0%#-####-###",
        cell="06%-####-###",
        e164="+3816%#######",
        id_name="SID",
        id_template="#########",
        id_check=None,
        email="""gmail.com:65 yahoo.com:10 hotmail.com:10 outlook.com:5 eunet.rs:5
            mts.rs:5""",
        street_max=150,
        tld="rs",
    ),
    CountryData(
        code="TR",
        name="Turkey",
        weight=4.0,
        tz="+3:00",
        cities="""İstanbul|İstanbul|41.0082|28.9784|15600|34
            Ankara|Ankara|39.9334|32.8597|5700|06
            İzmir|İzmir|38.4237|27.1428|4400|35
            Bursa|Bursa|40.1885|29.0610|3100|16
            Antalya|Antalya|36.8969|30.7133|2600|07
            Konya|Konya|37.8746|32.4932|2300|42
            Adana|Adana|37.0000|35.3213|2270|01
            Gaziantep|Gaziantep|37.0662|37.3833|2150|27
            Şanlıurfa|Şanlıurfa|37.1591|38.7969|2140|63
            İzmit|Kocaeli|40.7654|29.9408|2000|41
            Mersin|Mersin|36.8121|34.6415|1900|33
            Diyarbakır|Diyarbakır|37.9144|40.2306|1800|21
            Antakya|Hatay|36.2021|36.1600|1650|31
            Kayseri|Kayseri|38.7312|35.4787|1440|38
            Samsun|Samsun|41.2867|36.3300|1370|55
            Van|Van|38.4891|43.4089|1120|65
            Adapazarı|Sakarya|40.7569|30.3783|1080|54
            Denizli|Denizli|37.7765|29.0864|1050|20
            Eskişehir|Eskişehir|39.7767|30.5206|900|26
            Trabzon|Trabzon|41.0027|39.7168|820|61
            Malatya|Malatya|38.3552|38.3095|810|44
            Erzurum|Erzurum|39.9043|41.2679|750|25
            Kütahya|Kütahya|39.4242|29.9833|580|43
            Şırnak|Şırnak|37.5164|42.4611|550|73
            Rize|Rize|41.0201|40.5234|350|53
            Bingöl|Bingöl|38.8847|40.4939|280|12
            Karaman|Karaman|37.1759|33.2287|260|70
            Kırşehir|Kırşehir|39.1425|34.1709|245|40""",
        streets="""Atatürk Cd, İstiklal Cd, Cumhuriyet Cd, Necatibey Cd, Maçka Cd,
            Şehitler Cd, Bağdat Cd, Fevzi Çakmak Cd, Mevlana Cd, Kazım Karabekir Cd,
            İnönü Cd, Gazi Blv, Anafartalar Cd, Menderes Cd, Talatpaşa Cd, Vatan Cd,
            Barbaros Blv, Hürriyet Cd, Ankara Cd, Sanayi Cd, Mimar Sinan Cd, Orhan Gazi Cd""",
        given="tr",
        family="tr",
        postcode_suffix="###",
        phone="(212)-###-####|(216)-###-####|(312)-###-####|(232)-###-####|(%##)-###-####",
        cell="(5##)-###-####",
        e164="+905#########",
        id_name="",
        id_template=None,
        id_check=None,
        email="""gmail.com:60 hotmail.com:20 yandex.com.tr:6 outlook.com:6 yahoo.com:4
            icloud.com:4""",
        street_max=200,
        tld="com.tr",
    ),
    CountryData(
        code="UA",
        name="Ukraine",
        weight=3.0,
        tz="+2:00",
        cities="""Kyiv|Kyiv|50.4501|30.5234|2950|01 02 03 04
            Kharkiv|Kharkivska|49.9935|36.2304|1420|61
            Odesa|Odeska|46.4825|30.7233|1010|65
            Dnipro|Dnipropetrovska|48.4647|35.0462|970|49
            Lviv|Lvivska|49.8397|24.0297|720|79
            Zaporizhzhia|Zaporizka|47.8388|35.1396|710|69
            Kryvyi Rih|Dnipropetrovska|47.9105|33.3918|600|50
            Mykolaiv|Mykolaivska|46.9750|31.9946|470|54
            Vinnytsia|Vinnytska|49.2331|28.4682|370|21
            Chernihiv|Chernihivska|51.4982|31.2893|285|14
            Poltava|Poltavska|49.5883|34.5514|280|36
            Kherson|Khersonska|46.6354|32.6169|280|73
            Khmelnytskyi|Khmelnytska|49.4229|26.9871|275|29
            Cherkasy|Cherkaska|49.4444|32.0598|270|18
            Chernivtsi|Chernivetska|48.2921|25.9358|265|58
            Zhytomyr|Zhytomyrska|50.2547|28.6587|260|10
            Sumy|Sumska|50.9077|34.7981|260|40
            Rivne|Rivnenska|50.6199|26.2516|245|33
            Ivano-Frankivsk|Ivano-Frankivska|48.9226|24.7111|235|76
            Ternopil|Ternopilska|49.5535|25.5948|225|46
            Kropyvnytskyi|Kirovohradska|48.5079|32.2623|225|25
            Lutsk|Volynska|50.7472|25.3254|215|43
            Kremenchuk|Poltavska|49.0659|33.4200|215|39
            Bila Tserkva|Kyivska|49.7968|30.1311|205|09
            Uzhhorod|Zakarpatska|48.6208|22.2879|115|88""",
        streets="""Khreshchatyk, Shevchenka, Sadova, Franka, Lesi Ukrainky, Hrushevskoho,
            Soborna, Nezalezhnosti, Peremohy, Zelena, Shkilna, Tsentralna, Myru, Naberezhna,
            Patriarha Mstislava Skripnika, Provulok Dezhnieva, Bohdana Khmelnytskoho, Mazepy,
            Volodymyrska, Pushkinska, Polova, Lisova, Kyivska""",
        given="uk",
        family="uk",
        postcode_suffix="###",
        phone="(044) ###-##-##|(032) ###-##-##|(048) ###-##-##|(0%#) ###-##-##",
        cell=(
            "(050) ###-##-##|(063) ###-##-##|(066) ###-##-##|(067) ###-##-##|"
            "(068) ###-##-##|(093) ###-##-##|(095) ###-##-##|(096) ###-##-##|"
            "(097) ###-##-##|(098) ###-##-##|(099) ###-##-##"
        ),
        e164="+38050#######|+38067#######|+38063#######|+38097#######",
        id_name="",
        id_template=None,
        id_check=None,
        email="""gmail.com:45 ukr.net:25 i.ua:7 meta.ua:4 outlook.com:5 icloud.com:5
            yandex.ru:4 mail.ru:3""",
        street_max=150,
        tld="com.ua",
    ),
    CountryData(
        code="US",
        name="United States",
        weight=18.0,
        tz="-5:00",
        cities="""New York|New York|40.7128|-74.0060|8300|100 101 104 112 113
            Los Angeles|California|34.0522|-118.2437|3900|900 902|-8:00
            Chicago|Illinois|41.8781|-87.6298|2700|606|-6:00
            Houston|Texas|29.7604|-95.3698|2300|770|-6:00
            Phoenix|Arizona|33.4484|-112.0740|1600|850|-7:00
            Philadelphia|Pennsylvania|39.9526|-75.1652|1580|191
            San Antonio|Texas|29.4241|-98.4936|1450|782|-6:00
            San Diego|California|32.7157|-117.1611|1390|921|-8:00
            Dallas|Texas|32.7767|-96.7970|1300|752|-6:00
            San Jose|California|37.3382|-121.8863|1000|951|-8:00
            Austin|Texas|30.2672|-97.7431|960|787|-6:00
            Jacksonville|Florida|30.3322|-81.6557|950|322
            Columbus|Ohio|39.9612|-82.9988|905|432
            Indianapolis|Indiana|39.7684|-86.1581|880|462
            Charlotte|North Carolina|35.2271|-80.8431|875|282
            San Francisco|California|37.7749|-122.4194|810|941|-8:00
            Seattle|Washington|47.6062|-122.3321|740|981|-8:00
            Denver|Colorado|39.7392|-104.9903|715|802|-7:00
            Washington|District of Columbia|38.9072|-77.0369|690|200
            Nashville|Tennessee|36.1627|-86.7816|690|372|-6:00
            Boston|Massachusetts|42.3601|-71.0589|650|021
            Portland|Oregon|45.5152|-122.6784|650|972|-8:00
            Las Vegas|Nevada|36.1699|-115.1398|650|891|-8:00
            Detroit|Michigan|42.3314|-83.0458|630|482
            Memphis|Tennessee|35.1495|-90.0490|630|381|-6:00
            Milwaukee|Wisconsin|43.0389|-87.9065|570|532|-6:00
            Albuquerque|New Mexico|35.0844|-106.6504|560|871|-7:00
            Kansas City|Missouri|39.0997|-94.5786|510|641|-6:00
            Atlanta|Georgia|33.7490|-84.3880|500|303
            Omaha|Nebraska|41.2565|-95.9345|485|681|-6:00
            Raleigh|North Carolina|35.7796|-78.6382|470|276
            Miami|Florida|25.7617|-80.1918|450|331
            Minneapolis|Minnesota|44.9778|-93.2650|430|554|-6:00
            New Orleans|Louisiana|29.9511|-90.0715|380|701|-6:00
            Honolulu|Hawaii|21.3069|-157.8583|350|968|-10:00
            Anchorage|Alaska|61.2181|-149.9003|290|995|-9:00
            Boise|Idaho|43.6150|-116.2023|235|837|-7:00
            Salt Lake City|Utah|40.7608|-111.8910|200|841|-7:00
            Birmingham|Alabama|33.5186|-86.8104|200|352|-6:00""",
        streets="""Main St, Oak St, Pine St, Maple Ave, Cedar St, Elm St, Washington St,
            Lake St, Hill St, Park Ave, Sunset Blvd, Lincoln Ave, Jackson St, Church St,
            Highland Ave, Ridge Rd, Thornridge Cir, Pecan Acres Ln, Dane St, College St,
            Marsh Ln, Railroad St, W Sherman Dr, Mockingbird Ln, Spring St, 2nd St, 5th Ave,
            E North St, Valley View Ln, Hickory Creek Dr""",
        given="en",
        family="en",
        postcode_suffix="##",
        phone="(%##) %##-####",
        cell="(%##) %##-####",
        e164="+1%##%######",
        id_name="SSN",
        id_template="###-##-####",
        id_check="ssn",
        email="""gmail.com:52 yahoo.com:15 outlook.com:8 hotmail.com:7 icloud.com:8 aol.com:4
            comcast.net:3 att.net:2 verizon.net:1""",
        street_max=9999,
        tld="com",
    ),
    # not a randomuser nationality: only reachable through the FakerAPI it_IT locale
    CountryData(
        code="IT",
        name="Italy",
        weight=0.0,
        tz="+1:00",
        cities="""Roma|Lazio|41.9028|12.4964|2750|001
            Milano|Lombardia|45.4642|9.1900|1370|201
            Napoli|Campania|40.8518|14.2681|920|801
            Torino|Piemonte|45.0703|7.6869|850|101
            Palermo|Sicilia|38.1157|13.3615|630|901
            Genova|Liguria|44.4056|8.9463|560|161
            Bologna|Emilia-Romagna|44.4949|11.3426|390|401
            Firenze|Toscana|43.7696|11.2558|370|501
            Bari|Puglia|41.1171|16.8719|315|701
            Catania|Sicilia|37.5079|15.0830|300|951
            Verona|Veneto|45.4384|10.9916|255|371
            Venezia|Veneto|45.4408|12.3155|255|301
            Messina|Sicilia|38.1938|15.5540|220|981
            Padova|Veneto|45.4064|11.8768|210|351
            Trieste|Friuli-Venezia Giulia|45.6495|13.7768|200|341
            Brescia|Lombardia|45.5416|10.2118|200|251
            Parma|Emilia-Romagna|44.8015|10.3279|195|431
            Prato|Toscana|43.8777|11.1022|195|591
            Taranto|Puglia|40.4644|17.2470|190|741
            Modena|Emilia-Romagna|44.6471|10.9252|185|411
            Reggio Calabria|Calabria|38.1113|15.6473|170|891
            Perugia|Umbria|43.1107|12.3908|165|061
            Cagliari|Sardegna|39.2238|9.1217|150|091
            Bergamo|Lombardia|45.6983|9.6773|120|241
            Trento|Trentino-Alto Adige|46.0748|11.1217|118|381
            Pescara|Abruzzo|42.4618|14.2161|118|651
            Ancona|Marche|43.6158|13.5189|100|601
            Potenza|Basilicata|40.6401|15.8051|66|851
            Campobasso|Molise|41.5603|14.6627|48|861
            Aosta|Valle d'Aosta|45.7370|7.3201|34|111""",
        streets="""Via Roma, Via Garibaldi, Via Mazzini, Via Dante, Via Cavour, Via Verdi,
            Corso Italia, Via Vittorio Emanuele, Via Matteotti, Via Marconi, Piazza del Duomo,
            Corso Vittorio Emanuele II, Via Nazionale, Via San Francesco,
            Via della Repubblica, Via dei Mille, Via XX Settembre, Via Manzoni, Via Leopardi,
            Via Gramsci, Via Torino, Via Milano, Via della Libertà, Viale Europa""",
        given="it",
        family="it",
        postcode_suffix="##",
        phone="06 ########|02 ########|0%# #######",
        cell="3## ### ####",
        e164="+393#########",
        id_name="",
        id_template=None,
        id_check=None,
        email="""gmail.com:45 libero.it:14 hotmail.it:8 yahoo.it:8 virgilio.it:6 alice.it:5
            tiscali.it:4 outlook.it:5 icloud.com:5""",
        street_max=150,
        tld="it",
    ),
)

#: nationality codes of randomuser v1.4, in its order
NATS: tuple[str, ...] = (
    "AU",
    "BR",
    "CA",
    "CH",
    "DE",
    "DK",
    "ES",
    "FI",
    "FR",
    "GB",
    "IE",
    "IN",
    "IR",
    "MX",
    "NL",
    "NO",
    "NZ",
    "RS",
    "TR",
    "UA",
    "US",
)


@dataclass(frozen=True)
class LocaleData:
    """A FakerAPI locale: whose residents it invents and how it writes their address."""

    country: str  # code of a CountryData
    country_name: str  # that country's name in the locale's language
    street_format: str  # '{number}' and '{street}'
    weight: float  # share of requests among locales when none is given


LOCALES: dict[str, LocaleData] = {
    "en_US": LocaleData("US", "United States", "{number} {street}", 25),
    "en_GB": LocaleData("GB", "United Kingdom", "{number} {street}", 9),
    "en_AU": LocaleData("AU", "Australia", "{number} {street}", 3),
    "en_CA": LocaleData("CA", "Canada", "{number} {street}", 3),
    "en_IE": LocaleData("IE", "Ireland", "{number} {street}", 1),
    "en_NZ": LocaleData("NZ", "New Zealand", "{number} {street}", 1),
    "en_IN": LocaleData("IN", "India", "{number} {street}", 4),
    "de_DE": LocaleData("DE", "Deutschland", "{street} {number}", 10),
    "de_CH": LocaleData("CH", "Schweiz", "{street} {number}", 1),
    "fr_FR": LocaleData("FR", "France", "{number}, {street}", 9),
    "fr_CH": LocaleData("CH", "Suisse", "{street} {number}", 0.5),
    "es_ES": LocaleData("ES", "España", "{street}, {number}", 6),
    "es_MX": LocaleData("MX", "México", "{street} {number}", 4),
    "it_IT": LocaleData("IT", "Italia", "{street} {number}", 7),
    "nl_NL": LocaleData("NL", "Nederland", "{street} {number}", 4),
    "pt_BR": LocaleData("BR", "Brasil", "{street}, {number}", 8),
    "da_DK": LocaleData("DK", "Danmark", "{street} {number}", 1),
    "fi_FI": LocaleData("FI", "Suomi", "{street} {number}", 1),
    "nb_NO": LocaleData("NO", "Norge", "{street} {number}", 1),
    "tr_TR": LocaleData("TR", "Türkiye", "{street} No:{number}", 3),
    "fa_IR": LocaleData("IR", "ایران", "{street} {number}", 1),
}
