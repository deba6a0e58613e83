"""The kit's own words (README, email and flyer labels) in every language a kit is built in.

Short texts kept here rather than in gettext catalogues: the engine runs outside a request and
inside worker processes, and these few lines are all it says itself. Placeholders are
`str.format` fields; every language has every key (a test checks).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "readme_title": "Marketing kit: {campaign}",
        "readme_for": "Prepared for {partner}.",
        "readme_intro": (
            "Send the co-branded pieces as they are, or take the texts and images into your own designs.\n"
            "The vendor's text in the email is locked (marked in the HTML); your logo, colours and contact\n"
            "details come from your brand settings in the partner portal."
        ),
        "readme_files": "What each file is for:",
        "manifest": "list of every file with its size and checksum (for tools)",
        "email_html": "the co-branded email as HTML: your logo, colours and contact details",
        "email_txt": "the same email as plain text",
        "email_eml": "the same email ready to import into your own mail tool (open it, save as draft or template)",
        "email_logo": "your logo as the email shows it (keep it next to the HTML file)",
        "copy_md": "{length} copy in Markdown, for your own designs",
        "copy_html": "{length} copy as unstyled HTML, to paste into your website or mail tool",
        "short": "short",
        "medium": "medium",
        "long": "long",
        "subject_lines": "subject line options, one per line",
        "preheader": "the preview text inboxes show after the subject line",
        "social": "a post for {network}, within its length limit",
        "image_wide": "{image}: 1200x628, for social posts and web banners",
        "image_square": "{image}: 1080x1080, for square social feeds",
        "image_email": "{image}: 600 pixels wide, for emails",
        "banner_light": "co-branded banner with your logo on a light background (1200x628)",
        "banner_dark": "the same banner on a dark background, for logos in light colours",
        "flyer": "a one-page co-branded flyer with a QR code to the campaign page",
        "contact_heading": "Questions? Get in touch",
        "phone": "Phone",
        "email": "Email",
        "website": "Website",
        "partnership": "In partnership with {vendor}",
        "scan": "Scan to open the campaign page",
    },
    "nl": {
        "readme_title": "Marketingkit: {campaign}",
        "readme_for": "Samengesteld voor {partner}.",
        "readme_intro": (
            "Verstuur de co-branded onderdelen zoals ze zijn, of gebruik de teksten en beelden in uw eigen ontwerpen.\n"
            "De tekst van de leverancier in de e-mail ligt vast (gemarkeerd in de HTML); uw logo, kleuren en\n"
            "contactgegevens komen uit uw merkinstellingen in het partnerportaal."
        ),
        "readme_files": "Waar elk bestand voor is:",
        "manifest": "lijst van alle bestanden met grootte en controlegetal (voor software)",
        "email_html": "de co-branded e-mail als HTML: uw logo, kleuren en contactgegevens",
        "email_txt": "dezelfde e-mail als platte tekst",
        "email_eml": "dezelfde e-mail om te importeren in uw eigen mailprogramma (openen, bewaren als concept of sjabloon)",
        "email_logo": "uw logo zoals de e-mail het toont (laat het naast het HTML-bestand staan)",
        "copy_md": "{length} tekst in Markdown, voor uw eigen ontwerpen",
        "copy_html": "{length} tekst als HTML zonder opmaak, om in uw website of mailprogramma te plakken",
        "short": "korte",
        "medium": "middellange",
        "long": "lange",
        "subject_lines": "onderwerpregels om uit te kiezen, één per regel",
        "preheader": "de voorbeeldtekst die inboxen na de onderwerpregel tonen",
        "social": "een bericht voor {network}, binnen de maximale lengte",
        "image_wide": "{image}: 1200x628, voor social media en webbanners",
        "image_square": "{image}: 1080x1080, voor vierkante social-mediafeeds",
        "image_email": "{image}: 600 pixels breed, voor e-mails",
        "banner_light": "co-branded banner met uw logo op een lichte achtergrond (1200x628)",
        "banner_dark": "dezelfde banner op een donkere achtergrond, voor logo's in lichte kleuren",
        "flyer": "een co-branded flyer van één pagina met een QR-code naar de campagnepagina",
        "contact_heading": "Vragen? Neem contact op",
        "phone": "Telefoon",
        "email": "E-mail",
        "website": "Website",
        "partnership": "In samenwerking met {vendor}",
        "scan": "Scan om de campagnepagina te openen",
    },
    "de": {
        "readme_title": "Marketing-Kit: {campaign}",
        "readme_for": "Erstellt für {partner}.",
        "readme_intro": (
            "Versenden Sie die Co-Branding-Teile so, wie sie sind, oder nutzen Sie Texte und Bilder in Ihren eigenen\n"
            "Gestaltungen. Der Text des Herstellers in der E-Mail ist gesperrt (im HTML markiert); Ihr Logo, Ihre\n"
            "Farben und Kontaktdaten stammen aus Ihren Markeneinstellungen im Partnerportal."
        ),
        "readme_files": "Wofür jede Datei gedacht ist:",
        "manifest": "Liste aller Dateien mit Größe und Prüfsumme (für Programme)",
        "email_html": "die Co-Branding-E-Mail als HTML: Ihr Logo, Ihre Farben und Kontaktdaten",
        "email_txt": "dieselbe E-Mail als reiner Text",
        "email_eml": "dieselbe E-Mail zum Import in Ihr eigenes Mailprogramm (öffnen, als Entwurf oder Vorlage speichern)",
        "email_logo": "Ihr Logo, wie die E-Mail es zeigt (neben der HTML-Datei lassen)",
        "copy_md": "{length} Text in Markdown, für Ihre eigenen Gestaltungen",
        "copy_html": "{length} Text als HTML ohne Formatierung, zum Einfügen in Website oder Mailprogramm",
        "short": "kurzer",
        "medium": "mittellanger",
        "long": "langer",
        "subject_lines": "Betreffzeilen zur Auswahl, eine pro Zeile",
        "preheader": "der Vorschautext, den Posteingänge nach dem Betreff zeigen",
        "social": "ein Beitrag für {network}, innerhalb der Längengrenze",
        "image_wide": "{image}: 1200x628, für Social-Media-Beiträge und Webbanner",
        "image_square": "{image}: 1080x1080, für quadratische Social-Media-Feeds",
        "image_email": "{image}: 600 Pixel breit, für E-Mails",
        "banner_light": "Co-Branding-Banner mit Ihrem Logo auf hellem Hintergrund (1200x628)",
        "banner_dark": "derselbe Banner auf dunklem Hintergrund, für Logos in hellen Farben",
        "flyer": "ein einseitiger Co-Branding-Flyer mit QR-Code zur Kampagnenseite",
        "contact_heading": "Fragen? Sprechen Sie uns an",
        "phone": "Telefon",
        "email": "E-Mail",
        "website": "Website",
        "partnership": "In Partnerschaft mit {vendor}",
        "scan": "Scannen, um die Kampagnenseite zu öffnen",
    },
    "fr": {
        "readme_title": "Kit marketing : {campaign}",
        "readme_for": "Préparé pour {partner}.",
        "readme_intro": (
            "Envoyez les éléments co-brandés tels quels, ou reprenez les textes et les images dans vos propres\n"
            "créations. Le texte du fabricant dans l'e-mail est verrouillé (signalé dans le HTML) ; votre logo,\n"
            "vos couleurs et vos coordonnées viennent de vos réglages de marque dans le portail partenaires."
        ),
        "readme_files": "À quoi sert chaque fichier :",
        "manifest": "liste de tous les fichiers avec leur taille et leur somme de contrôle (pour les outils)",
        "email_html": "l'e-mail co-brandé en HTML : votre logo, vos couleurs et vos coordonnées",
        "email_txt": "le même e-mail en texte brut",
        "email_eml": "le même e-mail prêt à importer dans votre outil d'e-mailing (ouvrez-le, enregistrez-le comme brouillon ou modèle)",
        "email_logo": "votre logo tel que l'e-mail l'affiche (gardez-le à côté du fichier HTML)",
        "copy_md": "texte {length} en Markdown, pour vos propres créations",
        "copy_html": "texte {length} en HTML sans mise en forme, à coller dans votre site ou votre outil d'e-mailing",
        "short": "court",
        "medium": "moyen",
        "long": "long",
        "subject_lines": "objets d'e-mail au choix, un par ligne",
        "preheader": "le texte d'aperçu affiché après l'objet dans la plupart des boîtes de réception",
        "social": "une publication pour {network}, dans sa limite de longueur",
        "image_wide": "{image} : 1200x628, pour les réseaux sociaux et les bannières web",
        "image_square": "{image} : 1080x1080, pour les fils carrés des réseaux sociaux",
        "image_email": "{image} : 600 pixels de large, pour les e-mails",
        "banner_light": "bannière co-brandée avec votre logo sur fond clair (1200x628)",
        "banner_dark": "la même bannière sur fond sombre, pour les logos de couleur claire",
        "flyer": "un flyer co-brandé d'une page avec un code QR vers la page de la campagne",
        "contact_heading": "Des questions ? Contactez-nous",
        "phone": "Téléphone",
        "email": "E-mail",
        "website": "Site web",
        "partnership": "En partenariat avec {vendor}",
        "scan": "Scannez pour ouvrir la page de la campagne",
    },
    "sv": {
        "readme_title": "Marknadsföringskit: {campaign}",
        "readme_for": "Framtaget för {partner}.",
        "readme_intro": (
            "Skicka de sambrandade delarna som de är, eller använd texterna och bilderna i era egna utskick.\n"
            "Leverantörens text i e-postmeddelandet är låst (markerad i HTML-koden); er logotyp, era färger och\n"
            "kontaktuppgifter hämtas från era varumärkesinställningar i partnerportalen."
        ),
        "readme_files": "Vad varje fil är till för:",
        "manifest": "lista över alla filer med storlek och kontrollsumma (för verktyg)",
        "email_html": "det sambrandade e-postmeddelandet som HTML: er logotyp, era färger och kontaktuppgifter",
        "email_txt": "samma e-postmeddelande som ren text",
        "email_eml": "samma e-postmeddelande att importera i ert eget e-postverktyg (öppna, spara som utkast eller mall)",
        "email_logo": "er logotyp som e-postmeddelandet visar den (låt den ligga bredvid HTML-filen)",
        "copy_md": "{length} text i Markdown, för era egna utskick",
        "copy_html": "{length} text som HTML utan formatering, att klistra in på webbplatsen eller i e-postverktyget",
        "short": "kort",
        "medium": "mellanlång",
        "long": "lång",
        "subject_lines": "ämnesrader att välja mellan, en per rad",
        "preheader": "förhandstexten som inkorgar visar efter ämnesraden",
        "social": "ett inlägg för {network}, inom längdgränsen",
        "image_wide": "{image}: 1200x628, för sociala medier och webbanners",
        "image_square": "{image}: 1080x1080, för kvadratiska flöden i sociala medier",
        "image_email": "{image}: 600 pixlar bred, för e-post",
        "banner_light": "sambrandad banner med er logotyp på ljus bakgrund (1200x628)",
        "banner_dark": "samma banner på mörk bakgrund, för logotyper i ljusa färger",
        "flyer": "ett sambrandat flygblad på en sida med en QR-kod till kampanjsidan",
        "contact_heading": "Frågor? Kontakta oss",
        "phone": "Telefon",
        "email": "E-post",
        "website": "Webbplats",
        "partnership": "I samarbete med {vendor}",
        "scan": "Skanna för att öppna kampanjsidan",
    },
    "pl": {
        "readme_title": "Zestaw marketingowy: {campaign}",
        "readme_for": "Przygotowany dla {partner}.",
        "readme_intro": (
            "Wyślij materiały ze wspólnym brandingiem bez zmian albo wykorzystaj teksty i obrazy we własnych projektach.\n"
            "Tekst producenta w e-mailu jest zablokowany (oznaczony w HTML); Twoje logo, kolory i dane kontaktowe\n"
            "pochodzą z ustawień marki w portalu partnera."
        ),
        "readme_files": "Do czego służy każdy plik:",
        "manifest": "lista wszystkich plików z rozmiarem i sumą kontrolną (dla narzędzi)",
        "email_html": "e-mail ze wspólnym brandingiem w HTML: Twoje logo, kolory i dane kontaktowe",
        "email_txt": "ten sam e-mail jako zwykły tekst",
        "email_eml": "ten sam e-mail do zaimportowania we własnym programie pocztowym (otwórz, zapisz jako szkic lub szablon)",
        "email_logo": "Twoje logo w postaci pokazywanej w e-mailu (zostaw je obok pliku HTML)",
        "copy_md": "{length} tekst w Markdown, do własnych projektów",
        "copy_html": "{length} tekst jako HTML bez stylów, do wklejenia na stronę lub do programu pocztowego",
        "short": "krótki",
        "medium": "średni",
        "long": "długi",
        "subject_lines": "propozycje tematu wiadomości, po jednej w wierszu",
        "preheader": "tekst podglądu wyświetlany w skrzynkach po temacie",
        "social": "wpis dla {network}, w granicach limitu długości",
        "image_wide": "{image}: 1200x628, do mediów społecznościowych i banerów www",
        "image_square": "{image}: 1080x1080, do kwadratowych kanałów społecznościowych",
        "image_email": "{image}: szerokość 600 pikseli, do e-maili",
        "banner_light": "baner ze wspólnym brandingiem i Twoim logo na jasnym tle (1200x628)",
        "banner_dark": "ten sam baner na ciemnym tle, dla logo w jasnych kolorach",
        "flyer": "jednostronicowa ulotka ze wspólnym brandingiem i kodem QR do strony kampanii",
        "contact_heading": "Pytania? Skontaktuj się z nami",
        "phone": "Telefon",
        "email": "E-mail",
        "website": "Strona www",
        "partnership": "We współpracy z {vendor}",
        "scan": "Zeskanuj, aby otworzyć stronę kampanii",
    },
}


def kit_texts(locale: str) -> dict[str, str]:
    """The kit's words in `locale` (English for a locale we do not know)."""
    return TEXTS.get(locale, TEXTS["en"])
