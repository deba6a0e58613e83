"""The demo library's words: per kind, a title, summary and Markdown body in each language.

Slots: {product}, {area} (the area's name in that language), {city}, {percent}, {quarter}.
"""

from __future__ import annotations

from content.models import ContentKind

K = ContentKind

PRODUCTS: dict[str, tuple[str, ...]] = {
    "storage": ("StorArray S5", "ObjectVault 3", "FlashTier 900"),
    "server": ("RackLine R7", "EdgeBox E2", "TowerLine T3"),
    "cloud": ("SkyDeck Hybrid", "CloudBridge"),
    "security": ("ShieldGate 5", "ZeroTrust Access", "RansomGuard"),
    "networking": ("SwitchPro 48", "AirMesh 7", "BranchLink SD-WAN"),
    "client-devices": ("WorkMate 14", "DeskPro Mini", "ViewPanel 27"),
    "data-protection": ("VaultKeeper 9", "ImmutaCopy", "RecoverNow"),
    "hci": ("HyperNode H4", "ClusterBox 2"),
    "services": ("CarePack Plus", "DeployRight", "OpsDesk Managed"),
}
CITIES = ("Amsterdam", "Berlin", "Lyon", "Stockholm", "Kraków", "Utrecht", "Hamburg", "Göteborg")
AREA_COLOURS: dict[str, tuple[str, str]] = {
    "storage": ("#0b5cad", "#5fb0e8"),
    "server": ("#1b2430", "#5b6b82"),
    "cloud": ("#2a7de1", "#a6d4fa"),
    "security": ("#7a1020", "#e0535f"),
    "networking": ("#0f6e5a", "#5cc8a8"),
    "client-devices": ("#5b3b8c", "#b197e0"),
    "data-protection": ("#8a5a00", "#f2b544"),
    "hci": ("#20476b", "#6fa3cf"),
    "services": ("#3d5a1e", "#9ccc65"),
}

TEXTS: dict[ContentKind, dict[str, tuple[str, str, str]]] = {
    K.ARTICLE: {
        "en": (
            "How partners win {area} deals with {product}",
            "Three lessons from partners who closed {area} projects this quarter, and the questions customers asked first.",
            "Partners who sold **{product}** this quarter told us what made the difference:\n\n"
            "1. Start from the customer's renewal date, not the product sheet.\n"
            "2. Bring a sizing workshop to the first meeting.\n"
            "3. Offer the managed service option early.\n\n"
            "Read the full case notes in the [partner portal](https://partners.example.com/cases).",
        ),
        "nl": (
            "Zo winnen partners {area}-deals met {product}",
            "Drie lessen van partners die dit kwartaal {area}-projecten binnenhaalden, en de vragen die klanten als eerste stelden.",
            "Partners die dit kwartaal **{product}** verkochten, vertelden ons wat het verschil maakte:\n\n"
            "1. Begin bij de verlengingsdatum van de klant, niet bij de productsheet.\n"
            "2. Neem een sizing-workshop mee naar het eerste gesprek.\n"
            "3. Bied de managed-service-optie vroeg aan.\n\n"
            "Lees de volledige casusnotities in het [partnerportaal](https://partners.example.com/cases).",
        ),
        "de": (
            "So gewinnen Partner {area}-Projekte mit {product}",
            "Drei Erkenntnisse von Partnern, die in diesem Quartal {area}-Projekte abgeschlossen haben, und die ersten Fragen der Kunden.",
            "Partner, die in diesem Quartal **{product}** verkauft haben, berichten, was den Unterschied machte:\n\n"
            "1. Beim Verlängerungstermin des Kunden ansetzen, nicht beim Datenblatt.\n"
            "2. Einen Sizing-Workshop zum ersten Termin mitbringen.\n"
            "3. Die Managed-Service-Option früh anbieten.\n\n"
            "Die vollständigen Fallnotizen finden Sie im [Partnerportal](https://partners.example.com/cases).",
        ),
        "fr": (
            "Comment les partenaires gagnent des projets {area} avec {product}",
            "Trois leçons de partenaires qui ont signé des projets {area} ce trimestre, et les premières questions des clients.",
            "Les partenaires qui ont vendu **{product}** ce trimestre nous ont dit ce qui a fait la différence :\n\n"
            "1. Partir de la date de renouvellement du client, pas de la fiche produit.\n"
            "2. Proposer un atelier de dimensionnement dès le premier rendez-vous.\n"
            "3. Présenter tôt l'option de service managé.\n\n"
            "Retrouvez les notes complètes sur le [portail partenaires](https://partners.example.com/cases).",
        ),
        "sv": (
            "Så vinner partner {area}-affärer med {product}",
            "Tre lärdomar från partner som stängt {area}-projekt det här kvartalet, och kundernas första frågor.",
            "Partner som sålde **{product}** det här kvartalet berättade vad som gjorde skillnaden:\n\n"
            "1. Börja med kundens förnyelsedatum, inte produktbladet.\n"
            "2. Ta med en dimensioneringsworkshop till första mötet.\n"
            "3. Erbjud managed service-alternativet tidigt.\n\n"
            "Läs hela fallbeskrivningen i [partnerportalen](https://partners.example.com/cases).",
        ),
        "pl": (
            "Jak partnerzy wygrywają projekty z obszaru {area} dzięki {product}",
            "Trzy wnioski od partnerów, którzy w tym kwartale zamknęli projekty z obszaru {area}, oraz pierwsze pytania klientów.",
            "Partnerzy, którzy w tym kwartale sprzedawali **{product}**, powiedzieli nam, co zrobiło różnicę:\n\n"
            "1. Zacznij od daty odnowienia u klienta, a nie od karty produktu.\n"
            "2. Przyjdź na pierwsze spotkanie z warsztatem doboru rozwiązania.\n"
            "3. Wcześnie zaproponuj usługę zarządzaną.\n\n"
            "Pełne notatki znajdziesz w [portalu partnerskim](https://partners.example.com/cases).",
        ),
    },
    K.ANNOUNCEMENT: {
        "en": (
            "{product} is now available to order for partners",
            "Order codes, list prices and the first demo units for {product} are live in the partner portal.",
            "From today you can quote **{product}** to your customers.\n\n"
            "- Order codes and list prices are in the price list\n"
            "- Demo units can be booked for four weeks\n"
            "- Launch deals register at the usual discount\n\n"
            "Questions? Your account manager is happy to help.",
        ),
        "nl": (
            "{product} nu te bestellen voor partners",
            "Bestelcodes, prijzen en de eerste demo-units van {product} staan in het partnerportaal.",
            "Vanaf vandaag kunt u **{product}** offreren aan uw klanten.\n\n"
            "- Bestelcodes en prijzen staan in de prijslijst\n"
            "- Demo-units zijn vier weken te reserveren\n"
            "- Lanceringsdeals registreert u tegen de gebruikelijke korting\n\n"
            "Vragen? Uw accountmanager helpt graag.",
        ),
        "de": (
            "{product} ab sofort für Partner bestellbar",
            "Bestellnummern, Listenpreise und die ersten Demogeräte für {product} sind jetzt im Partnerportal.",
            "Ab heute können Sie **{product}** Ihren Kunden anbieten.\n\n"
            "- Bestellnummern und Listenpreise stehen in der Preisliste\n"
            "- Demogeräte können vier Wochen lang gebucht werden\n"
            "- Launch-Deals registrieren Sie zum gewohnten Rabatt\n\n"
            "Fragen? Ihr Account Manager hilft gern.",
        ),
        "fr": (
            "{product} est disponible à la commande pour les partenaires",
            "Références, prix catalogue et premières unités de démonstration de {product} sont en ligne sur le portail partenaires.",
            "Dès aujourd'hui, vous pouvez proposer **{product}** à vos clients.\n\n"
            "- Références et prix dans la liste de prix\n"
            "- Unités de démonstration réservables pour quatre semaines\n"
            "- Les affaires de lancement s'enregistrent à la remise habituelle\n\n"
            "Des questions ? Votre responsable de compte vous répond.",
        ),
        "sv": (
            "{product} kan nu beställas av partner",
            "Artikelnummer, listpriser och de första demoenheterna för {product} finns nu i partnerportalen.",
            "Från i dag kan du offerera **{product}** till dina kunder.\n\n"
            "- Artikelnummer och listpriser finns i prislistan\n"
            "- Demoenheter kan bokas i fyra veckor\n"
            "- Lanseringsaffärer registreras med vanlig rabatt\n\n"
            "Frågor? Din kontoansvarige hjälper gärna till.",
        ),
        "pl": (
            "{product} dostępny do zamówienia dla partnerów",
            "Kody zamówień, ceny katalogowe i pierwsze urządzenia demonstracyjne {product} są już w portalu partnerskim.",
            "Od dziś możesz oferować **{product}** swoim klientom.\n\n"
            "- Kody zamówień i ceny są w cenniku\n"
            "- Urządzenia demo można zarezerwować na cztery tygodnie\n"
            "- Transakcje startowe rejestrujesz ze zwykłym rabatem\n\n"
            "Pytania? Twój opiekun handlowy chętnie pomoże.",
        ),
    },
    K.EVENT: {
        "en": (
            "Partner briefing in {city}: what is next for {area}",
            "Half a day with our {area} specialists in {city}: roadmap, live demos and time for your own customer cases.",
            "Join us in **{city}** for a partner-only briefing.\n\n"
            "- Roadmap for {product}\n- Live demo and Q&A\n- Networking lunch\n\n"
            "Seats are limited to two per partner.",
        ),
        "nl": (
            "Partnerbriefing in {city}: wat komt er voor {area}",
            "Een halve dag met onze {area}-specialisten in {city}: roadmap, live demo's en tijd voor uw eigen klantcases.",
            "Kom naar **{city}** voor een briefing alleen voor partners.\n\n"
            "- Roadmap voor {product}\n- Live demo en vragen\n- Netwerklunch\n\n"
            "Maximaal twee plaatsen per partner.",
        ),
        "de": (
            "Partner-Briefing in {city}: Was kommt im Bereich {area}",
            "Ein halber Tag mit unseren {area}-Spezialisten in {city}: Roadmap, Live-Demos und Zeit für Ihre Kundenprojekte.",
            "Treffen Sie uns in **{city}** zu einem Briefing nur für Partner.\n\n"
            "- Roadmap für {product}\n- Live-Demo und Fragerunde\n- Networking-Lunch\n\n"
            "Maximal zwei Plätze pro Partner.",
        ),
        "fr": (
            "Briefing partenaires à {city} : les nouveautés {area}",
            "Une demi-journée avec nos spécialistes {area} à {city} : feuille de route, démonstrations et vos cas clients.",
            "Rejoignez-nous à **{city}** pour un briefing réservé aux partenaires.\n\n"
            "- Feuille de route de {product}\n- Démonstration et questions-réponses\n- Déjeuner de networking\n\n"
            "Deux places maximum par partenaire.",
        ),
        "sv": (
            "Partnerträff i {city}: nytt inom {area}",
            "En halvdag med våra {area}-specialister i {city}: färdplan, livedemo och tid för dina kundcase.",
            "Välkommen till **{city}** för en träff endast för partner.\n\n"
            "- Färdplan för {product}\n- Livedemo och frågestund\n- Nätverkslunch\n\n"
            "Högst två platser per partner.",
        ),
        "pl": (
            "Spotkanie partnerów – {city}: nowości w obszarze {area}",
            "Pół dnia z naszymi specjalistami z obszaru {area}. Miejsce: {city}. Plan rozwoju, pokazy na żywo i czas na Twoje projekty.",
            "Zapraszamy na spotkanie tylko dla partnerów. Miejsce: **{city}**.\n\n"
            "- Plan rozwoju {product}\n- Pokaz na żywo i pytania\n- Lunch networkingowy\n\n"
            "Maksymalnie dwa miejsca na partnera.",
        ),
    },
    K.TRAINING: {
        "en": (
            "New {product} sales certification for partners",
            "A two-hour online course that prepares your sales team to position {product}, with a certificate at the end.",
            "The course covers positioning, competitive answers and pricing for **{product}**.\n\n"
            "Certified sellers count towards your partner tier requirements.",
        ),
        "nl": (
            "Nieuwe salescertificering voor {product}",
            "Een online cursus van twee uur die uw salesteam voorbereidt om {product} te positioneren, met een certificaat aan het eind.",
            "De cursus behandelt positionering, antwoorden op de concurrentie en prijzen voor **{product}**.\n\n"
            "Gecertificeerde verkopers tellen mee voor de eisen van uw partnerniveau.",
        ),
        "de": (
            "Neue Vertriebszertifizierung für {product}",
            "Ein zweistündiger Online-Kurs bereitet Ihr Vertriebsteam darauf vor, {product} zu positionieren, mit Zertifikat.",
            "Der Kurs behandelt Positionierung, Antworten auf den Wettbewerb und Preise für **{product}**.\n\n"
            "Zertifizierte Verkäufer zählen für die Anforderungen Ihrer Partnerstufe.",
        ),
        "fr": (
            "Nouvelle certification commerciale {product}",
            "Un cours en ligne de deux heures prépare votre équipe commerciale à positionner {product}, avec un certificat à la clé.",
            "Le cours couvre le positionnement, les réponses face à la concurrence et les prix de **{product}**.\n\n"
            "Les vendeurs certifiés comptent pour les exigences de votre niveau de partenariat.",
        ),
        "sv": (
            "Ny säljcertifiering för {product}",
            "En onlinekurs på två timmar som förbereder ditt säljteam att positionera {product}, med certifikat.",
            "Kursen tar upp positionering, svar mot konkurrenter och prissättning för **{product}**.\n\n"
            "Certifierade säljare räknas in i kraven för din partnernivå.",
        ),
        "pl": (
            "Nowa certyfikacja sprzedażowa {product}",
            "Dwugodzinny kurs online przygotuje Twój zespół sprzedaży do pozycjonowania {product}; na koniec certyfikat.",
            "Kurs obejmuje pozycjonowanie, odpowiedzi na konkurencję i ceny **{product}**.\n\n"
            "Certyfikowani sprzedawcy liczą się do wymagań Twojego poziomu partnerskiego.",
        ),
    },
    K.OFFER: {
        "en": (
            "Extra {percent}% margin on {product} this quarter",
            "Register {product} deals before the end of {quarter} and earn {percent}% extra margin on top of your tier discount.",
            "How it works:\n\n1. Register the opportunity in the deal registration tool\n"
            "2. Close before the end of {quarter}\n3. The extra margin is paid with your quarterly rebate\n\n"
            "Terms apply; see the programme guide.",
        ),
        "nl": (
            "Dit kwartaal {percent}% extra marge op {product}",
            "Registreer {product}-deals vóór het einde van {quarter} en verdien {percent}% extra marge bovenop uw korting.",
            "Zo werkt het:\n\n1. Registreer de kans in de dealregistratie\n"
            "2. Sluit de deal vóór het einde van {quarter}\n3. De extra marge wordt uitgekeerd met uw kwartaalbonus\n\n"
            "Voorwaarden zijn van toepassing; zie de programmagids.",
        ),
        "de": (
            "{percent} % Extra-Marge auf {product} in diesem Quartal",
            "Registrieren Sie {product}-Deals bis Ende {quarter} und erhalten Sie {percent} % Extra-Marge zusätzlich zu Ihrem Rabatt.",
            "So funktioniert es:\n\n1. Opportunity in der Deal-Registrierung erfassen\n"
            "2. Bis Ende {quarter} abschließen\n3. Die Extra-Marge wird mit Ihrem Quartalsbonus ausgezahlt\n\n"
            "Es gelten die Bedingungen im Programmleitfaden.",
        ),
        "fr": (
            "{percent} % de marge en plus sur {product} ce trimestre",
            "Enregistrez vos affaires {product} avant la fin du {quarter} et gagnez {percent} % de marge en plus de votre remise.",
            "Comment ça marche :\n\n1. Enregistrez l'opportunité dans l'outil d'enregistrement\n"
            "2. Signez avant la fin du {quarter}\n3. La marge supplémentaire est versée avec votre bonus trimestriel\n\n"
            "Conditions dans le guide du programme.",
        ),
        "sv": (
            "{percent} % extra marginal på {product} det här kvartalet",
            "Registrera {product}-affärer före slutet av {quarter} och få {percent} % extra marginal utöver din rabatt.",
            "Så fungerar det:\n\n1. Registrera affären i verktyget för affärsregistrering\n"
            "2. Stäng affären före slutet av {quarter}\n3. Den extra marginalen betalas ut med din kvartalsbonus\n\n"
            "Villkor finns i programguiden.",
        ),
        "pl": (
            "Dodatkowe {percent}% marży na {product} w tym kwartale",
            "Zarejestruj transakcje {product} przed końcem {quarter} i zyskaj dodatkowe {percent}% marży ponad rabat.",
            "Jak to działa:\n\n1. Zarejestruj szansę sprzedaży w narzędziu rejestracji\n"
            "2. Zamknij transakcję przed końcem {quarter}\n3. Dodatkowa marża zostanie wypłacona z premią kwartalną\n\n"
            "Obowiązują warunki z przewodnika programu.",
        ),
    },
}


# The button of each kind, in every language (a button belongs to its language version).
CTA_LABELS: dict[ContentKind, dict[str, str]] = {
    K.ARTICLE: {
        "en": "Read the case notes",
        "nl": "Lees de praktijkcase",
        "de": "Fallstudie lesen",
        "fr": "Lire l'étude de cas",
        "sv": "Läs fallstudien",
        "pl": "Przeczytaj studium przypadku",
    },
    K.ANNOUNCEMENT: {
        "en": "See the price list",
        "nl": "Bekijk de prijslijst",
        "de": "Zur Preisliste",
        "fr": "Voir la liste de prix",
        "sv": "Se prislistan",
        "pl": "Zobacz cennik",
    },
    K.EVENT: {
        "en": "Register now",
        "nl": "Meld u nu aan",
        "de": "Jetzt anmelden",
        "fr": "S'inscrire",
        "sv": "Anmäl dig nu",
        "pl": "Zarejestruj się",
    },
    K.TRAINING: {
        "en": "Start the course",
        "nl": "Start de cursus",
        "de": "Kurs starten",
        "fr": "Commencer la formation",
        "sv": "Starta kursen",
        "pl": "Rozpocznij kurs",
    },
    K.OFFER: {
        "en": "Register a deal",
        "nl": "Registreer een deal",
        "de": "Deal registrieren",
        "fr": "Enregistrer une affaire",
        "sv": "Registrera en affär",
        "pl": "Zarejestruj transakcję",
    },
}
