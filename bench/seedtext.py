"""Words for bench/seed.py: sentence parts, titles and people in the portal's five languages.

Sentences are assembled from parts (opener, subject, verb, object, tail), so a few dozen phrases per
language give millions of distinct sentences. Subjects are singular so every verb agrees with every
subject. Nothing here touches the database; `block_pool` builds the Markdown blocks posts are made of.
"""

LANGUAGES = ("en", "es", "fr", "th", "pt")

TEXT = {
    "en": {
        "details": ["in {place}", "with {name}", "(case {code})", "- {n} kg in total", "({n} suspects)", "in {year}"],
        "openers": ["", "", "", "In our unit,", "Last year", "During the course in Budapest,", "At the border post,",
                    "In my experience,", "After the ILEA course,", "In a recent case,", "Since January,",
                    "In our province,", "Honestly,", "For the record,", "At the airport,"],
        "subjects": ["our team", "the prosecutor's office", "my unit", "a colleague from Ghana", "the task force",
                     "our customs service", "the regional police", "my supervisor", "the cybercrime lab",
                     "our analyst", "the liaison officer", "the financial intelligence unit", "every patrol officer",
                     "the training department", "a classmate from Peru"],
        "verbs": ["started using", "improved", "shared", "reviewed", "documented", "tested", "adopted",
                  "coordinated", "trained officers on", "questioned", "rewrote", "simplified", "presented",
                  "relied on", "evaluated"],
        "objects": ["the chain of custody forms", "a joint investigation team", "the hotline data",
                    "a checklist for seized phones", "the witness interview protocol", "container inspections",
                    "open-source intelligence", "the evidence locker procedures", "cross-border cooperation",
                    "victim referral mechanisms", "a risk profile for couriers", "the case management system",
                    "mutual legal assistance requests", "community policing meetings", "cryptocurrency tracing",
                    "the police checkpoint schedule", "undercover purchase rules", "wildlife product seizures"],
        "tails": ["with good results", "after the ILEA course", "and the courts accepted it",
                  "with almost no budget", "in less than six months", "together with two neighbouring countries",
                  "because of a new law", "and it saved us weeks", "without much support at first",
                  "as we learned in class", "and the judges noticed", "with help from the academy"],
        "questions": ["Has anyone tried {o}?", "How does your agency handle {o}?", "What is your experience with {o}?",
                      "Who is responsible for {o} in your country?", "Is {o} worth the effort?"],
        "items": ["Photograph everything before touching it", "Record every hand-over with time and signature",
                  "Isolate phones from the network", "Write the report the same day", "Agree on one contact point",
                  "Check the hash values twice", "Keep the victim informed", "Ask the prosecutor early",
                  "Use the standard seizure form", "Share the alert with neighbouring posts",
                  "Train new officers in pairs", "Review the case after three months", "Store originals separately",
                  "Translate key documents first", "Log every database query"],
        "headings": ["Background", "What worked", "Lessons learned", "Next steps", "The problem", "Results",
                     "Our approach", "Questions for the group"],
        "link_words": ["the guide", "this report", "the UNODC toolkit", "our checklist", "the course material"],
        "see": "See {link}.",
        "table": ("Year", "Cases", "Convictions"),
        "topics": ["Chain of custody for digital evidence", "Border checkpoints and document fraud",
                   "Interviewing trafficking victims", "Asset recovery across jurisdictions",
                   "Synthetic drugs and new precursors", "Leading a unit through change", "Ransomware investigations",
                   "Community policing in rural areas", "Protecting witnesses", "Women in command positions",
                   "Airport interdiction", "Money laundering through real estate", "Wildlife trafficking routes",
                   "Training patrol officers", "Police checkpoints at night", "Cross-border hot pursuit",
                   "Open-source intelligence tools", "Anti-corruption hotlines", "Hate crime reporting",
                   "Radicalisation in prisons"],
        "qualifiers": ["- lessons learned", "in practice", "- your experience?", "after the course", "- a case study",
                       "- what works", "in small agencies", "- a question", "today", "- our story"],
        "mentions": ["what do you think?", "you presented this in our class, right?", "thanks for sharing this.",
                     "could you send me the form?", "do you agree?"],
        "comments": ["This is offensive.", "Personal attack on another member.", "Copied from a paid report.",
                     "Spam link.", "Threatening language.", "Not appropriate for this forum.", ""],
        "appeals": ["I did not mean to offend anyone; please reconsider.", "The post was taken out of context.",
                    "I had permission to share that document.", "I apologise and ask for the penalty to be lifted."],
    },
    "es": {
        "details": ["en {place}", "con {name}", "(caso {code})", "- {n} kg en total", "({n} sospechosos)", "en {year}"],
        "openers": ["", "", "", "En nuestra unidad,", "El año pasado,", "Durante el curso en San Salvador,",
                    "En el puesto fronterizo,", "Según mi experiencia,", "Después del curso de ILEA,",
                    "En un caso reciente,", "Desde enero,", "En nuestra provincia,", "Sinceramente,",
                    "En el aeropuerto,"],
        "subjects": ["nuestro equipo", "la fiscalía", "mi unidad", "un colega de Honduras", "la fuerza de tarea",
                     "el servicio de aduanas", "la policía regional", "mi jefe", "el laboratorio forense",
                     "nuestra analista", "el oficial de enlace", "la unidad de inteligencia financiera",
                     "el departamento de formación", "una compañera de Perú"],
        "verbs": ["empezó a usar", "mejoró", "compartió", "revisó", "documentó", "probó", "adoptó", "coordinó",
                  "capacitó al personal sobre", "cuestionó", "reescribió", "simplificó", "presentó", "evaluó"],
        "objects": ["los formularios de cadena de custodia", "un equipo conjunto de investigación",
                    "los datos de la línea de denuncia", "una lista de control para teléfonos incautados",
                    "el protocolo de entrevista a testigos", "la inspección de contenedores",
                    "la inteligencia de fuentes abiertas", "el control policial nocturno",
                    "la cooperación transfronteriza", "los mecanismos de derivación de víctimas",
                    "el sistema de gestión de casos", "las solicitudes de asistencia judicial",
                    "el rastreo de criptomonedas", "las reuniones de policía comunitaria"],
        "tails": ["con buenos resultados", "después del curso de ILEA", "y el tribunal lo aceptó",
                  "casi sin presupuesto", "en menos de seis meses", "junto con dos países vecinos",
                  "gracias a una nueva ley", "y nos ahorró semanas", "como aprendimos en clase",
                  "con apoyo de la academia"],
        "questions": ["¿Alguien ha probado {o}?", "¿Cómo gestiona su institución {o}?",
                      "¿Qué experiencia tienen con {o}?", "¿Vale la pena {o}?"],
        "items": ["Fotografiar todo antes de tocarlo", "Registrar cada entrega con hora y firma",
                  "Aislar los teléfonos de la red", "Redactar el informe el mismo día",
                  "Acordar un único punto de contacto", "Verificar los valores hash dos veces",
                  "Mantener informada a la víctima", "Consultar pronto a la fiscalía",
                  "Usar el formulario estándar de incautación", "Compartir la alerta con los puestos vecinos",
                  "Formar a los nuevos agentes en parejas", "Guardar los originales por separado"],
        "headings": ["Contexto", "Qué funcionó", "Lecciones aprendidas", "Próximos pasos", "El problema",
                     "Resultados", "Preguntas para el grupo"],
        "link_words": ["la guía", "este informe", "el manual de UNODC", "nuestra lista", "el material del curso"],
        "see": "Vean {link}.",
        "table": ("Año", "Casos", "Condenas"),
        "topics": ["Cadena de custodia de evidencia digital", "Controles fronterizos y documentos falsos",
                   "Entrevistas a víctimas de trata", "Recuperación de activos entre países",
                   "Drogas sintéticas y nuevos precursores", "Liderar una unidad en tiempos de cambio",
                   "Investigación de extorsiones", "Policía comunitaria en zonas rurales", "Protección de testigos",
                   "Mujeres en puestos de mando", "Lavado de dinero en bienes raíces", "Tráfico de fauna silvestre",
                   "Formación de patrullas", "Pandillas y prevención juvenil"],
        "qualifiers": ["- lecciones aprendidas", "en la práctica", "- ¿su experiencia?", "después del curso",
                       "- un caso real", "- qué funciona", "en agencias pequeñas", "hoy", "- nuestra historia"],
        "mentions": ["¿qué opinas?", "tú lo presentaste en clase, ¿verdad?", "gracias por compartir.",
                     "¿me puedes enviar el formulario?"],
        "comments": ["Esto es ofensivo.", "Ataque personal a otro miembro.", "Copiado de un informe de pago.",
                     "Enlace de spam.", "Lenguaje amenazante.", ""],
        "appeals": ["No quise ofender a nadie; pido que se reconsidere.", "El mensaje se sacó de contexto.",
                    "Tenía permiso para compartir ese documento."],
    },
    "fr": {
        "details": ["à {place}", "avec {name}", "(affaire {code})", "- {n} kg au total", "({n} suspects)", "en {year}"],
        "openers": ["", "", "", "Dans notre unité,", "L'année dernière,", "Pendant le stage à Gaborone,",
                    "Au poste frontière,", "D'après mon expérience,", "Après la formation de l'ILEA,",
                    "Dans une affaire récente,", "Depuis janvier,", "Dans notre région,", "Franchement,",
                    "À l'aéroport,"],
        "subjects": ["notre équipe", "le parquet", "mon unité", "un collègue du Sénégal", "la cellule d'enquête",
                     "le service des douanes", "la gendarmerie", "mon supérieur", "le laboratoire de police",
                     "notre analyste", "l'officier de liaison", "la cellule de renseignement financier",
                     "le service de formation", "une camarade du Cameroun"],
        "verbs": ["a commencé à utiliser", "a amélioré", "a partagé", "a revu", "a documenté", "a testé",
                  "a adopté", "a coordonné", "a formé les agents sur", "a remis en cause", "a réécrit",
                  "a simplifié", "a présenté", "a évalué"],
        "objects": ["les formulaires de chaîne de traçabilité", "une équipe commune d'enquête",
                    "les données de la ligne d'écoute", "une liste de contrôle pour les téléphones saisis",
                    "le protocole d'audition des témoins", "le contrôle des conteneurs",
                    "le renseignement en sources ouvertes", "le contrôle de police de nuit",
                    "la coopération transfrontalière", "l'orientation des victimes",
                    "le logiciel de gestion des affaires", "les demandes d'entraide judiciaire",
                    "le traçage des cryptomonnaies", "la police de proximité"],
        "tails": ["avec de bons résultats", "après la formation de l'ILEA", "et le tribunal l'a accepté",
                  "presque sans budget", "en moins de six mois", "avec deux pays voisins",
                  "grâce à une nouvelle loi", "et cela nous a fait gagner des semaines",
                  "comme on l'a appris en cours", "avec l'appui de l'académie"],
        "questions": ["Quelqu'un a-t-il essayé {o} ?", "Comment votre service gère-t-il {o} ?",
                      "Quelle est votre expérience avec {o} ?", "Est-ce que {o} vaut la peine ?"],
        "items": ["Photographier tout avant d'y toucher", "Noter chaque remise avec l'heure et la signature",
                  "Isoler les téléphones du réseau", "Rédiger le rapport le jour même",
                  "Désigner un seul point de contact", "Vérifier deux fois les empreintes numériques",
                  "Tenir la victime informée", "Consulter tôt le procureur", "Utiliser le formulaire de saisie",
                  "Partager l'alerte avec les postes voisins", "Conserver les originaux à part"],
        "headings": ["Contexte", "Ce qui a marché", "Leçons apprises", "Prochaines étapes", "Le problème",
                     "Résultats", "Questions au groupe"],
        "link_words": ["le guide", "ce rapport", "la boîte à outils de l'ONUDC", "notre liste", "le support de cours"],
        "see": "Voir {link}.",
        "table": ("Année", "Affaires", "Condamnations"),
        "topics": ["Chaîne de traçabilité des preuves numériques", "Contrôles aux frontières et faux documents",
                   "Audition des victimes de traite", "Recouvrement d'avoirs à l'étranger",
                   "Drogues de synthèse et précurseurs", "Diriger une unité pendant une réforme",
                   "Enquêtes sur les rançongiciels", "Police de proximité en zone rurale", "Protection des témoins",
                   "Femmes aux postes de commandement", "Blanchiment par l'immobilier", "Trafic d'espèces sauvages",
                   "Former les patrouilles", "Radicalisation en prison"],
        "qualifiers": ["- leçons apprises", "en pratique", "- votre expérience ?", "après la formation",
                       "- un cas réel", "- ce qui marche", "dans les petits services", "aujourd'hui",
                       "- notre histoire"],
        "mentions": ["qu'en penses-tu ?", "tu l'as présenté en cours, non ?", "merci pour le partage.",
                     "peux-tu m'envoyer le formulaire ?"],
        "comments": ["C'est injurieux.", "Attaque personnelle contre un membre.", "Copié d'un rapport payant.",
                     "Lien publicitaire.", "Propos menaçants.", ""],
        "appeals": ["Je ne voulais offenser personne ; merci de revoir la décision.", "Le message a été sorti de son contexte.",
                    "J'avais l'autorisation de partager ce document."],
    },
    "pt": {
        "details": ["em {place}", "com {name}", "(processo {code})", "- {n} kg no total", "({n} suspeitos)", "em {year}"],
        "openers": ["", "", "", "Na nossa unidade,", "No ano passado,", "Durante o curso em Roswell,",
                    "No posto de fronteira,", "Pela minha experiência,", "Depois do curso da ILEA,",
                    "Num caso recente,", "Desde janeiro,", "Na nossa região,", "Sinceramente,", "No aeroporto,"],
        "subjects": ["a nossa equipa", "o Ministério Público", "a minha unidade", "um colega de Moçambique",
                     "a equipa conjunta", "a autoridade aduaneira", "a polícia regional", "o meu superior",
                     "o laboratório de polícia científica", "a nossa analista", "o oficial de ligação",
                     "a unidade de informação financeira", "o departamento de formação", "uma colega de Angola"],
        "verbs": ["começou a usar", "melhorou", "partilhou", "reviu", "documentou", "testou", "adotou",
                  "coordenou", "formou os agentes sobre", "questionou", "reescreveu", "simplificou", "apresentou",
                  "avaliou"],
        "objects": ["os formulários da cadeia de custódia", "uma equipa de investigação conjunta",
                    "os dados da linha de denúncia", "uma lista de verificação para telemóveis apreendidos",
                    "o protocolo de inquirição de testemunhas", "a inspeção de contentores",
                    "as informações de fontes abertas", "a operação stop noturna", "a cooperação transfronteiriça",
                    "o encaminhamento de vítimas", "o sistema de gestão de processos",
                    "os pedidos de auxílio judiciário", "o rastreio de criptomoedas", "o policiamento de proximidade"],
        "tails": ["com bons resultados", "depois do curso da ILEA", "e o tribunal aceitou",
                  "quase sem orçamento", "em menos de seis meses", "com dois países vizinhos",
                  "graças a uma nova lei", "e poupou-nos semanas", "como aprendemos no curso",
                  "com o apoio da academia"],
        "questions": ["Alguém já experimentou {o}?", "Como é que a vossa instituição trata {o}?",
                      "Qual é a vossa experiência com {o}?", "Vale a pena {o}?"],
        "items": ["Fotografar tudo antes de tocar", "Registar cada entrega com hora e assinatura",
                  "Isolar os telemóveis da rede", "Redigir o relatório no próprio dia",
                  "Definir um único ponto de contacto", "Verificar os valores hash duas vezes",
                  "Manter a vítima informada", "Consultar cedo o procurador", "Usar o formulário de apreensão",
                  "Partilhar o alerta com os postos vizinhos", "Guardar os originais em separado"],
        "headings": ["Contexto", "O que resultou", "Lições aprendidas", "Próximos passos", "O problema",
                     "Resultados", "Perguntas ao grupo"],
        "link_words": ["o guia", "este relatório", "o manual do UNODC", "a nossa lista", "o material do curso"],
        "see": "Vejam {link}.",
        "table": ("Ano", "Processos", "Condenações"),
        "topics": ["Cadeia de custódia da prova digital", "Controlo de fronteiras e documentos falsos",
                   "Inquirição de vítimas de tráfico", "Recuperação de ativos no estrangeiro",
                   "Drogas sintéticas e precursores", "Liderar uma unidade em mudança", "Investigação de burlas online",
                   "Policiamento de proximidade no interior", "Proteção de testemunhas", "Mulheres em cargos de chefia",
                   "Branqueamento de capitais no imobiliário", "Tráfico de espécies selvagens", "Formação de patrulhas"],
        "qualifiers": ["- lições aprendidas", "na prática", "- a vossa experiência?", "depois do curso",
                       "- um caso real", "- o que resulta", "em serviços pequenos", "hoje", "- a nossa história"],
        "mentions": ["o que achas?", "apresentaste isto no curso, certo?", "obrigado por partilhares.",
                     "podes enviar-me o formulário?"],
        "comments": ["Isto é ofensivo.", "Ataque pessoal a outro membro.", "Copiado de um relatório pago.",
                     "Ligação de spam.", "Linguagem ameaçadora.", ""],
        "appeals": ["Não quis ofender ninguém; peço que reconsiderem.", "A publicação foi tirada do contexto.",
                    "Tinha autorização para partilhar esse documento."],
    },
    "th": {
        "details": ["ที่{place}", "กับคุณ{name}", "(คดี {code})", "รวม {n} กิโลกรัม", "(ผู้ต้องสงสัย {n} คน)", "ในปี {year}"],
        "openers": ["", "", "", "ในหน่วยงานของเรา", "เมื่อปีที่แล้ว", "ระหว่างการฝึกอบรมที่กรุงเทพฯ", "ที่ด่านชายแดน",
                    "จากประสบการณ์ของผม", "จากประสบการณ์ของดิฉัน", "หลังจบหลักสูตรของ ILEA", "ในคดีล่าสุด",
                    "ตั้งแต่เดือนมกราคม", "ในจังหวัดของเรา", "ที่สนามบิน"],
        "subjects": ["ทีมสืบสวนของเรา", "สำนักงานอัยการ", "หน่วยของผม", "เพื่อนร่วมรุ่นจากเวียดนาม", "ชุดปฏิบัติการร่วม",
                     "กรมศุลกากร", "ตำรวจภูธร", "ผู้บังคับบัญชาของผม", "ห้องปฏิบัติการนิติวิทยาศาสตร์",
                     "นักวิเคราะห์ของเรา", "เจ้าหน้าที่ประสานงาน", "หน่วยข่าวกรองทางการเงิน", "ฝ่ายฝึกอบรม",
                     "เพื่อนร่วมรุ่นจากกัมพูชา"],
        "verbs": ["เริ่มใช้", "ปรับปรุง", "แบ่งปัน", "ทบทวน", "จัดทำเอกสารเรื่อง", "ทดลองใช้", "นำมาใช้",
                  "ประสานงานเรื่อง", "ฝึกอบรมเจ้าหน้าที่เรื่อง", "ตั้งคำถามเกี่ยวกับ", "เขียนใหม่", "ทำให้ง่ายขึ้น",
                  "นำเสนอ", "ประเมิน"],
        "objects": ["แบบฟอร์มห่วงโซ่การครอบครองพยานหลักฐาน", "ทีมสืบสวนร่วม", "ข้อมูลสายด่วนแจ้งเบาะแส",
                    "รายการตรวจสอบโทรศัพท์ที่ยึดได้", "แนวทางการสอบปากคำพยาน", "การตรวจค้นตู้คอนเทนเนอร์",
                    "การข่าวจากแหล่งเปิด", "ด่านตรวจตอนกลางคืน", "ความร่วมมือข้ามพรมแดน",
                    "การส่งต่อผู้เสียหาย", "ระบบบริหารคดี", "คำร้องขอความช่วยเหลือทางกฎหมาย",
                    "การติดตามคริปโทเคอร์เรนซี", "ตำรวจชุมชน"],
        "tails": ["และได้ผลดีมาก", "หลังจบหลักสูตรของ ILEA", "และศาลยอมรับ", "โดยแทบไม่มีงบประมาณ",
                  "ภายในเวลาไม่ถึงหกเดือน", "ร่วมกับสองประเทศเพื่อนบ้าน", "เพราะมีกฎหมายใหม่",
                  "และช่วยประหยัดเวลาได้หลายสัปดาห์", "ตามที่เรียนมาในหลักสูตร", "โดยได้รับการสนับสนุนจากสถาบัน"],
        "questions": ["มีใครเคยลอง{o}บ้างไหม", "หน่วยงานของคุณจัดการเรื่อง{o}อย่างไร", "คุณมีประสบการณ์เรื่อง{o}อย่างไรบ้าง",
                      "{o}คุ้มค่าหรือไม่"],
        "items": ["ถ่ายภาพทุกอย่างก่อนแตะต้อง", "บันทึกการส่งมอบทุกครั้งพร้อมเวลาและลายมือชื่อ",
                  "ตัดการเชื่อมต่อโทรศัพท์จากเครือข่าย", "เขียนรายงานภายในวันเดียวกัน", "กำหนดผู้ประสานงานเพียงคนเดียว",
                  "ตรวจสอบค่าแฮชสองครั้ง", "แจ้งความคืบหน้าให้ผู้เสียหายทราบ", "ปรึกษาอัยการตั้งแต่เนิ่นๆ",
                  "ใช้แบบฟอร์มการยึดมาตรฐาน", "แจ้งเตือนด่านใกล้เคียง", "เก็บต้นฉบับแยกไว้"],
        "headings": ["ความเป็นมา", "สิ่งที่ได้ผล", "บทเรียนที่ได้รับ", "ขั้นตอนต่อไป", "ปัญหา", "ผลลัพธ์", "คำถามถึงเพื่อนสมาชิก"],
        "link_words": ["คู่มือ", "รายงานฉบับนี้", "ชุดเครื่องมือของ UNODC", "รายการตรวจสอบของเรา", "เอกสารประกอบการเรียน"],
        "see": "ดู{link}",
        "table": ("ปี", "คดี", "คำพิพากษา"),
        "topics": ["ห่วงโซ่การครอบครองพยานหลักฐานดิจิทัล", "ด่านชายแดนและเอกสารปลอม", "การสัมภาษณ์ผู้เสียหายจากการค้ามนุษย์",
                   "การติดตามทรัพย์สินข้ามประเทศ", "ยาเสพติดสังเคราะห์และสารตั้งต้น", "การนำหน่วยงานในช่วงเปลี่ยนแปลง",
                   "การสืบสวนแรนซัมแวร์", "ตำรวจชุมชนในพื้นที่ชนบท", "การคุ้มครองพยาน", "ผู้หญิงในตำแหน่งผู้บังคับบัญชา",
                   "การฟอกเงินผ่านอสังหาริมทรัพย์", "การลักลอบค้าสัตว์ป่า", "การฝึกอบรมสายตรวจ"],
        "qualifiers": ["บทเรียนที่ได้รับ", "ในทางปฏิบัติ", "ประสบการณ์ของคุณ", "หลังจบหลักสูตร", "กรณีศึกษา",
                       "อะไรได้ผล", "ในหน่วยงานขนาดเล็ก", "วันนี้", "เรื่องเล่าของเรา"],
        "mentions": ["คุณคิดอย่างไรครับ", "คุณเคยนำเสนอเรื่องนี้ในชั้นเรียนใช่ไหม", "ขอบคุณที่แบ่งปันครับ",
                     "ช่วยส่งแบบฟอร์มให้หน่อยได้ไหมคะ"],
        "comments": ["ข้อความนี้ไม่เหมาะสม", "โจมตีสมาชิกคนอื่น", "คัดลอกจากรายงานที่ต้องซื้อ", "ลิงก์สแปม", "ใช้ถ้อยคำข่มขู่", ""],
        "appeals": ["ผมไม่ได้ตั้งใจให้ใครขุ่นเคือง ขอให้พิจารณาใหม่", "ข้อความถูกนำไปใช้นอกบริบท",
                    "ดิฉันได้รับอนุญาตให้เผยแพร่เอกสารนั้นแล้ว"],
    },
}

THAI_PLACES = ["กรุงเทพฯ", "เชียงใหม่", "ภูเก็ต", "ขอนแก่น", "สงขลา", "อุดรธานี", "เชียงราย", "นครราชสีมา", "แม่สอด",
               "หนองคาย", "สุราษฎร์ธานี", "อุบลราชธานี"]
LINKS = ["https://www.unodc.org/unodc/en/human-trafficking/", "https://www.interpol.int/en/Crimes/Cybercrime",
         "https://www.fatf-gafi.org/en/publications.html", "https://www.state.gov/ilea", "https://cites.org/eng",
         "https://www.europol.europa.eu/publications-events", "https://portal.example.org/library/guide-17",
         "https://www.osce.org/secretariat/policing"]
CODE = [
    ("", "sha256sum evidence_001.img > evidence_001.sha256\nsha256sum -c evidence_001.sha256"),
    ("sql", "SELECT plate, count(*) AS crossings\nFROM border_crossings\n"
            "WHERE crossed_at > now() - interval '7 days'\nGROUP BY plate\nHAVING count(*) > 5;"),
    ("", "exiftool -a -G1 -s photo_0412.jpg"),
    ("python", "import csv\nfor row in csv.DictReader(open('seizures.csv')):\n    if float(row['kg']) > 10:\n"
               "        print(row['date'], row['port'], row['kg'])"),
    ("", "dd if=/dev/sdb of=/cases/2024-118/disk.img bs=4M status=progress"),
    ("regex", r"\b[A-Z]{2}\d{6}[A-Z]?\b"),
]
STAFF_NOTES = ["Checked the thread: the reply was provoked, but the wording is over the line.",
               "Second report on this member this month.", "Waiting for the translation from Thai.",
               "The linked document is a paid report; asked the author for the source.",
               "Nothing against the rules as far as I can see.", "Discussed with the academy coordinator.",
               "Member was warned informally before.", "Looks like a misunderstanding between classmates."]
REASONS = ["The post attacks another member personally.", "Copyrighted course material shared without permission.",
           "Repeated disrespectful replies after a warning.", "The link leads to an unrelated commercial site.",
           "Threatening wording towards a group.", "Misuse of the portal for private business."]
ESCALATIONS = ["Possible dismissal: repeated threats.", "Involves a staff member; admins should decide.",
               "Legal question about the shared document.", "Several countries involved; needs an admin decision."]

# Countries: (name, academy, language the members mostly use, time zone, regional name group).
COUNTRIES = [
    ("Hungary", "budapest", "en", "Europe/Budapest", "eu"), ("Poland", "budapest", "en", "Europe/Warsaw", "eu"),
    ("Romania", "budapest", "en", "Europe/Bucharest", "eu"), ("Ukraine", "budapest", "en", "Europe/Kyiv", "eu"),
    ("Georgia", "budapest", "en", "Asia/Tbilisi", "eu"), ("Moldova", "budapest", "en", "Europe/Chisinau", "eu"),
    ("Serbia", "budapest", "en", "Europe/Belgrade", "eu"), ("Albania", "budapest", "en", "Europe/Tirane", "eu"),
    ("Bulgaria", "budapest", "en", "Europe/Sofia", "eu"), ("Croatia", "budapest", "en", "Europe/Zagreb", "eu"),
    ("North Macedonia", "budapest", "en", "Europe/Skopje", "eu"), ("Kosovo", "budapest", "en", "Europe/Belgrade", "eu"),
    ("Armenia", "budapest", "en", "Asia/Yerevan", "eu"), ("Azerbaijan", "budapest", "en", "Asia/Baku", "eu"),
    ("Kazakhstan", "budapest", "en", "Asia/Almaty", "eu"), ("Uzbekistan", "budapest", "en", "Asia/Tashkent", "eu"),
    ("Kyrgyzstan", "budapest", "en", "Asia/Bishkek", "eu"), ("Montenegro", "budapest", "en", "Europe/Podgorica", "eu"),
    ("Bosnia and Herzegovina", "budapest", "en", "Europe/Sarajevo", "eu"), ("Slovakia", "budapest", "en", "Europe/Bratislava", "eu"),
    ("Thailand", "bangkok", "th", "Asia/Bangkok", "asia"), ("Vietnam", "bangkok", "en", "Asia/Ho_Chi_Minh", "asia"),
    ("Philippines", "bangkok", "en", "Asia/Manila", "asia"), ("Indonesia", "bangkok", "en", "Asia/Jakarta", "asia"),
    ("Cambodia", "bangkok", "en", "Asia/Phnom_Penh", "asia"), ("Malaysia", "bangkok", "en", "Asia/Kuala_Lumpur", "asia"),
    ("Laos", "bangkok", "th", "Asia/Vientiane", "asia"), ("Myanmar", "bangkok", "en", "Asia/Yangon", "asia"),
    ("Timor-Leste", "bangkok", "pt", "Asia/Dili", "asia"), ("Mongolia", "bangkok", "en", "Asia/Ulaanbaatar", "asia"),
    ("Bangladesh", "bangkok", "en", "Asia/Dhaka", "asia"), ("Nepal", "bangkok", "en", "Asia/Kathmandu", "asia"),
    ("Sri Lanka", "bangkok", "en", "Asia/Colombo", "asia"), ("Brunei", "bangkok", "en", "Asia/Brunei", "asia"),
    ("Papua New Guinea", "bangkok", "en", "Pacific/Port_Moresby", "asia"), ("Fiji", "bangkok", "en", "Pacific/Fiji", "asia"),
    ("Maldives", "bangkok", "en", "Indian/Maldives", "asia"), ("Bhutan", "bangkok", "en", "Asia/Thimphu", "asia"),
    ("Botswana", "gaborone", "en", "Africa/Gaborone", "africa"), ("Kenya", "gaborone", "en", "Africa/Nairobi", "africa"),
    ("Nigeria", "gaborone", "en", "Africa/Lagos", "africa"), ("Ghana", "gaborone", "en", "Africa/Accra", "africa"),
    ("Zambia", "gaborone", "en", "Africa/Lusaka", "africa"), ("Namibia", "gaborone", "en", "Africa/Windhoek", "africa"),
    ("Senegal", "gaborone", "fr", "Africa/Dakar", "africa"), ("Mozambique", "gaborone", "pt", "Africa/Maputo", "africa"),
    ("Angola", "gaborone", "pt", "Africa/Luanda", "africa"), ("Cameroon", "gaborone", "fr", "Africa/Douala", "africa"),
    ("Côte d'Ivoire", "gaborone", "fr", "Africa/Abidjan", "africa"), ("Tanzania", "gaborone", "en", "Africa/Dar_es_Salaam", "africa"),
    ("Uganda", "gaborone", "en", "Africa/Kampala", "africa"), ("Rwanda", "gaborone", "fr", "Africa/Kigali", "africa"),
    ("Malawi", "gaborone", "en", "Africa/Blantyre", "africa"), ("Lesotho", "gaborone", "en", "Africa/Maseru", "africa"),
    ("Eswatini", "gaborone", "en", "Africa/Mbabane", "africa"), ("Zimbabwe", "gaborone", "en", "Africa/Harare", "africa"),
    ("Ethiopia", "gaborone", "en", "Africa/Addis_Ababa", "africa"), ("Benin", "gaborone", "fr", "Africa/Porto-Novo", "africa"),
    ("Mali", "gaborone", "fr", "Africa/Bamako", "africa"), ("Niger", "gaborone", "fr", "Africa/Niamey", "africa"),
    ("Cabo Verde", "gaborone", "pt", "Atlantic/Cape_Verde", "africa"), ("Guinea-Bissau", "gaborone", "pt", "Africa/Bissau", "africa"),
    ("South Africa", "gaborone", "en", "Africa/Johannesburg", "africa"), ("Sierra Leone", "gaborone", "en", "Africa/Freetown", "africa"),
    ("El Salvador", "san-salvador", "es", "America/El_Salvador", "latam"), ("Guatemala", "san-salvador", "es", "America/Guatemala", "latam"),
    ("Honduras", "san-salvador", "es", "America/Tegucigalpa", "latam"), ("Mexico", "san-salvador", "es", "America/Mexico_City", "latam"),
    ("Peru", "san-salvador", "es", "America/Lima", "latam"), ("Brazil", "san-salvador", "pt", "America/Sao_Paulo", "latam"),
    ("Dominican Republic", "san-salvador", "es", "America/Santo_Domingo", "latam"), ("Colombia", "san-salvador", "es", "America/Bogota", "latam"),
    ("Ecuador", "san-salvador", "es", "America/Guayaquil", "latam"), ("Costa Rica", "san-salvador", "es", "America/Costa_Rica", "latam"),
    ("Panama", "san-salvador", "es", "America/Panama", "latam"), ("Paraguay", "san-salvador", "es", "America/Asuncion", "latam"),
    ("Chile", "san-salvador", "es", "America/Santiago", "latam"), ("Argentina", "san-salvador", "es", "America/Argentina/Buenos_Aires", "latam"),
    ("Bolivia", "san-salvador", "es", "America/La_Paz", "latam"), ("Uruguay", "san-salvador", "es", "America/Montevideo", "latam"),
    ("Nicaragua", "san-salvador", "es", "America/Managua", "latam"), ("Jamaica", "san-salvador", "en", "America/Jamaica", "latam"),
    ("Trinidad and Tobago", "san-salvador", "en", "America/Port_of_Spain", "latam"), ("Haiti", "san-salvador", "fr", "America/Port-au-Prince", "latam"),
    ("Belize", "san-salvador", "en", "America/Belize", "latam"), ("Guyana", "san-salvador", "en", "America/Guyana", "latam"),
    ("Morocco", "roswell", "fr", "Africa/Casablanca", "africa"), ("Jordan", "roswell", "en", "Asia/Amman", "asia"),
    ("Portugal", "roswell", "pt", "Europe/Lisbon", "eu"), ("Tunisia", "roswell", "fr", "Africa/Tunis", "africa"),
    ("India", "roswell", "en", "Asia/Kolkata", "asia"), ("Pakistan", "roswell", "en", "Asia/Karachi", "asia"),
    ("Lebanon", "roswell", "fr", "Asia/Beirut", "asia"), ("Egypt", "roswell", "en", "Africa/Cairo", "africa"),
    ("United States", "roswell", "en", "America/Denver", "latam"),
]
HOSTS = {"Hungary", "Thailand", "Botswana", "El Salvador", "United States"}
# First names and family names per region (ASCII-foldable, for usernames).
NAMES = {
    "eu": (["Péter", "Katarzyna", "Andrei", "Olena", "Giorgi", "Elena", "Marko", "Arben", "Ivana", "Tamás", "Zsófia",
            "Nino", "Dmytro", "Ana", "Stefan", "Aigerim", "Bekzod", "Milica", "Lejla", "Jan"],
           ["Nagy", "Nowak", "Popescu", "Shevchenko", "Beridze", "Rusu", "Petrović", "Hoxha", "Horváth", "Kovács",
            "Ivanova", "Kowalski", "Georgiev", "Babić", "Aliyev", "Nurlanov", "Hakobyan", "Kovač", "Tóth", "Melnyk"]),
    "asia": (["Niran", "Linh", "Maria", "Budi", "Sokha", "Aisyah", "Khamla", "Somchai", "Malee", "Anan", "Thanh",
              "Rizal", "Dewi", "Bat-Erdene", "Rahul", "Priya", "Tenzin", "Nimal", "Arjun", "Siti"],
             ["Chaiyaporn", "Nguyen", "Santos", "Santoso", "Chan", "Rahman", "Vongsa", "Prasert", "Srisuk", "Tran",
              "Reyes", "Wijaya", "Ganbold", "Sharma", "Perera", "Dorji", "Hossain", "Khan", "Bautista", "Le"]),
    "africa": (["Neo", "Wanjiru", "Chinedu", "Kwame", "Mwila", "Tjiuee", "Awa", "Tomás", "Aminata", "Youssef",
                "Thabo", "Grace", "Moussa", "Fatou", "Ibrahim", "Zanele", "Kofi", "Esther", "Jean", "Amina"],
               ["Kgosi", "Otieno", "Okafor", "Mensah", "Banda", "Shikongo", "Diop", "Machava", "Koné", "El Idrissi",
                "Molefe", "Mwangi", "Traoré", "Ndiaye", "Abubakar", "Dlamini", "Boateng", "Phiri", "Mukamana", "Haddad"]),
    "latam": (["Carlos", "Lucía", "José", "Gabriela", "Rafael", "João", "Daniela", "Miguel", "Valentina", "Luis",
               "Camila", "Jorge", "Fernanda", "Diego", "Andrea", "Ricardo", "Paola", "Mateus", "Sofía", "Alejandro"],
              ["Hernández", "Morales", "Castillo", "Ramírez", "Vargas", "Silva", "Pérez", "González", "Rodríguez",
               "López", "Martínez", "Flores", "Oliveira", "Souza", "Rojas", "Mendoza", "Torres", "Cruz", "Ortiz", "Reyes"]),
}
AGENCIES = {
    "en": ["{c} Police Service", "National Police of {c}", "Ministry of Interior", "{c} Customs Service",
           "Office of the Attorney General", "Financial Intelligence Unit", "Anti-Corruption Commission",
           "Immigration Department", "Drug Enforcement Agency", "Border Guard Service", "Wildlife Authority"],
    "es": ["Policía Nacional Civil", "Fiscalía General", "Dirección General de Aduanas", "Ministerio de Seguridad",
           "Unidad de Inteligencia Financiera", "Dirección de Migración", "Policía Federal", "Procuraduría General"],
    "fr": ["Police nationale", "Gendarmerie nationale", "Direction générale des douanes", "Ministère de l'Intérieur",
           "Cellule de renseignement financier", "Parquet général", "Office central des stupéfiants"],
    "pt": ["Polícia Nacional", "Polícia Judiciária", "Autoridade Tributária e Aduaneira", "Ministério do Interior",
           "Serviço de Migração", "Procuradoria-Geral", "Polícia Federal"],
    "th": ["สำนักงานตำรวจแห่งชาติ", "กรมศุลกากร", "สำนักงานป้องกันและปราบปรามการฟอกเงิน", "กรมสอบสวนคดีพิเศษ",
           "สำนักงานคณะกรรมการป้องกันและปราบปรามยาเสพติด", "สำนักงานตรวจคนเข้าเมือง"],
}
# The year each academy opened (graduation years start there), and what a class is called.
ACADEMY_OPENED = {"budapest": 1995, "bangkok": 1999, "gaborone": 2001, "san-salvador": 2005, "roswell": 2001}
CLASS_NAME = {"budapest": "Session {n}", "bangkok": "Session {n}", "gaborone": "Class {n}",
              "san-salvador": "Promoción {n}", "roswell": "Class {n}"}
# A member's portal language: mostly their country's, often English.
ENGLISH_SHARE = {"en": 1.0, "es": 0.15, "fr": 0.25, "pt": 0.25, "th": 0.3}


# --- sentences and blocks ---------------------------------------------------------------------

def _cap(text):
    return text[:1].upper() + text[1:]


def sentence(rng, language):
    """One sentence, sometimes a question, sometimes with inline Markdown (emphasis, a link, code)."""
    t = TEXT[language]
    obj = rng.choice(t["objects"])
    roll = rng.random()
    if roll < 0.06:
        obj = f"**{obj}**"
    elif roll < 0.1:
        obj = f"*{obj}*"
    elif roll < 0.12:
        obj = f"{obj} (`{rng.choice(['sha256sum', 'exiftool', 'case-id', 'grep -r', 'HS 0106'])}`)"
    if rng.random() < 0.12:
        return _cap(rng.choice(t["questions"]).format(o=obj))
    parts = [rng.choice(t["openers"]), rng.choice(t["subjects"]), rng.choice(t["verbs"]), obj, rng.choice(t["tails"])]
    if rng.random() < 0.35:  # a detail: a place, a person, a case number, a quantity (the long tail of words)
        region = rng.choice(list(NAMES))
        place = rng.choice(THAI_PLACES) if language == "th" else rng.choice(COUNTRIES)[0]
        code = f"{rng.choice(['BUD', 'BKK', 'GAB', 'SAL', 'ROS', 'INT', 'FIU'])}-{rng.randint(2015, 2026)}-{rng.randint(1, 9999):04d}"
        parts.insert(4, rng.choice(t["details"]).format(
            place=place, name=rng.choice(NAMES[region][1]), code=code, n=rng.randint(2, 950), year=rng.randint(1995, 2026)))
    if language == "th":
        opener, rest = parts[0], "".join(parts[1:])
        return f"{opener} {rest}" if opener else rest
    text = " ".join(part for part in parts if part)
    if rng.random() < 0.04:
        text += f" ({rng.choice(LINKS)})"
    return _cap(text) + "."


def paragraph(rng, language, sentences):
    return " ".join(sentence(rng, language) for _ in range(sentences))


def block(rng, language, kind):
    """A Markdown block of one kind: paragraph, bullets, numbered, quote, heading, code, table, link."""
    t = TEXT[language]
    if kind == "paragraph":
        return paragraph(rng, language, min(1 + int(rng.expovariate(0.6)), 7))
    if kind == "bullets":
        marker = rng.choice("-*")
        return "\n".join(f"{marker} {item}" for item in rng.sample(t["items"], rng.randint(2, 6)))
    if kind == "numbered":
        return "\n".join(f"{n}. {item}" for n, item in enumerate(rng.sample(t["items"], rng.randint(3, 6)), 1))
    if kind == "quote":
        return "\n".join(f"> {line}" for line in [paragraph(rng, language, rng.randint(1, 2))]
                         + ([">", f"> {sentence(rng, language)}"] if rng.random() < 0.3 else []))
    if kind == "heading":
        return f"{'#' * rng.choice((2, 3, 3, 4))} {rng.choice(t['headings'])}"
    if kind == "code":
        info, code = rng.choice(CODE)
        return f"```{info}\n{code}\n```"
    if kind == "table":
        head = t["table"]
        rows = [f"| {year} | {rng.randint(3, 120)} | {rng.randint(0, 60)} |" for year in range(rng.randint(2019, 2022), 2026)]
        return "\n".join([f"| {' | '.join(head)} |", "|---|---:|---:|", *rows])
    link = f"[{rng.choice(t['link_words'])}]({rng.choice(LINKS)})"
    return t["see"].format(link=link) + " " + sentence(rng, language)


BLOCK_KINDS = ("paragraph", "bullets", "numbered", "quote", "heading", "code", "table", "link")
BLOCK_SHARE = (0.72, 0.07, 0.05, 0.06, 0.04, 0.02, 0.01, 0.03)  # of the blocks after a post's first one


def title(rng, language):
    """A thread title: topic and qualifier, separated by a space (so its words are theirs)."""
    t = TEXT[language]
    return f"{rng.choice(t['topics'])} {rng.choice(t['qualifiers'])}"


def person(rng, region):
    first, last = NAMES[region]
    return f"{rng.choice(first)} {rng.choice(last)}"


def agency(rng, language, country):
    return rng.choice(AGENCIES[language]).format(c=country)
