package benchworld

// The vocabulary of generated news: concepts with an English and an Arabic
// form, so that items in either language mention the same places, people
// and topics, and rules can be written in both as users write them.
//
// en and ar are the forms used in text. query forms are derived from them
// (see term): multi-word forms become phrases.

// concept is one thing the news talks about.
type concept struct {
	en, ar string
}

var countries = []concept{
	{"Syria", "سوريا"}, {"Israel", "إسرائيل"}, {"Lebanon", "لبنان"}, {"Egypt", "مصر"},
	{"Jordan", "الأردن"}, {"Iraq", "العراق"}, {"Iran", "إيران"}, {"Saudi Arabia", "السعودية"},
	{"the UAE", "الإمارات"}, {"Qatar", "قطر"}, {"Bahrain", "البحرين"}, {"Oman", "سلطنة عمان"},
	{"Kuwait", "الكويت"}, {"Yemen", "اليمن"}, {"Turkey", "تركيا"}, {"Gaza", "غزة"},
	{"Morocco", "المغرب"}, {"Algeria", "الجزائر"}, {"Tunisia", "تونس"}, {"Libya", "ليبيا"},
	{"Sudan", "السودان"}, {"Russia", "روسيا"}, {"China", "الصين"}, {"the United States", "الولايات المتحدة"},
	{"France", "فرنسا"}, {"Germany", "ألمانيا"}, {"Britain", "بريطانيا"}, {"Ukraine", "أوكرانيا"},
	{"Cyprus", "قبرص"}, {"Greece", "اليونان"}, {"Ethiopia", "إثيوبيا"}, {"Somalia", "الصومال"},
	{"Pakistan", "باكستان"}, {"India", "الهند"}, {"Azerbaijan", "أذربيجان"}, {"Armenia", "أرمينيا"},
}

var cities = []concept{
	{"Damascus", "دمشق"}, {"Beirut", "بيروت"}, {"Cairo", "القاهرة"}, {"Amman", "عمّان"},
	{"Baghdad", "بغداد"}, {"Tehran", "طهران"}, {"Riyadh", "الرياض"}, {"Abu Dhabi", "أبوظبي"},
	{"Doha", "الدوحة"}, {"Manama", "المنامة"}, {"Muscat", "مسقط"}, {"Sanaa", "صنعاء"},
	{"Ankara", "أنقرة"}, {"Jerusalem", "القدس"}, {"Tel Aviv", "تل أبيب"}, {"Aleppo", "حلب"},
	{"Homs", "حمص"}, {"Idlib", "إدلب"}, {"Mosul", "الموصل"}, {"Basra", "البصرة"},
	{"Rafah", "رفح"}, {"Khan Younis", "خان يونس"}, {"Tripoli", "طرابلس"}, {"Benghazi", "بنغازي"},
	{"Khartoum", "الخرطوم"}, {"Geneva", "جنيف"}, {"Vienna", "فيينا"}, {"Washington", "واشنطن"},
	{"Moscow", "موسكو"}, {"Brussels", "بروكسل"}, {"Baku", "باكو"}, {"Istanbul", "إسطنبول"},
}

var orgs = []concept{
	{"the United Nations", "الأمم المتحدة"}, {"the Arab League", "جامعة الدول العربية"},
	{"OPEC", "أوبك"}, {"the IAEA", "الوكالة الدولية للطاقة الذرية"}, {"NATO", "حلف الناتو"},
	{"the European Union", "الاتحاد الأوروبي"}, {"the World Bank", "البنك الدولي"},
	{"the IMF", "صندوق النقد الدولي"}, {"the Red Cross", "الصليب الأحمر"}, {"UNRWA", "الأونروا"},
	{"Hezbollah", "حزب الله"}, {"Hamas", "حماس"}, {"the Houthis", "الحوثيون"},
	{"the WHO", "منظمة الصحة العالمية"}, {"the GCC", "مجلس التعاون الخليجي"},
	{"the Security Council", "مجلس الأمن"},
}

var topics = []concept{
	{"normalization", "التطبيع"}, {"ceasefire", "وقف إطلاق النار"}, {"peace talks", "محادثات السلام"},
	{"security agreement", "اتفاق أمني"}, {"elections", "الانتخابات"}, {"oil prices", "أسعار النفط"},
	{"gas exports", "صادرات الغاز"}, {"sanctions", "العقوبات"}, {"reconstruction", "إعادة الإعمار"},
	{"refugees", "اللاجئين"}, {"humanitarian aid", "المساعدات الإنسانية"}, {"earthquake", "زلزال"},
	{"drought", "الجفاف"}, {"protests", "الاحتجاجات"}, {"inflation", "التضخم"},
	{"the currency", "العملة"}, {"investment", "الاستثمار"}, {"tourism", "السياحة"},
	{"water shortages", "شح المياه"}, {"the border crossing", "المعبر الحدودي"},
	{"prisoner exchange", "تبادل الأسرى"}, {"nuclear programme", "البرنامج النووي"},
	{"drone strikes", "غارات بطائرات مسيرة"}, {"air defence", "الدفاع الجوي"},
	{"trade agreement", "اتفاقية تجارية"}, {"electricity", "الكهرباء"}, {"wheat imports", "واردات القمح"},
	{"the budget", "الميزانية"}, {"cabinet reshuffle", "تعديل وزاري"}, {"the constitution", "الدستور"},
	{"football", "كرة القدم"}, {"the World Cup", "كأس العالم"}, {"the film festival", "مهرجان السينما"},
	{"artificial intelligence", "الذكاء الاصطناعي"}, {"vaccines", "اللقاحات"}, {"cholera", "الكوليرا"},
	{"wildfires", "حرائق الغابات"}, {"floods", "الفيضانات"}, {"the stock market", "البورصة"},
	{"shipping", "الملاحة"}, {"the Red Sea", "البحر الأحمر"}, {"Abraham Accords", "اتفاقيات أبراهام"},
}

var roles = []concept{
	{"foreign minister", "وزير الخارجية"}, {"president", "الرئيس"}, {"prime minister", "رئيس الوزراء"},
	{"defence minister", "وزير الدفاع"}, {"central bank governor", "محافظ البنك المركزي"},
	{"special envoy", "المبعوث الخاص"}, {"ambassador", "السفير"}, {"energy minister", "وزير الطاقة"},
	{"army chief", "رئيس الأركان"}, {"government spokesman", "المتحدث باسم الحكومة"},
	{"opposition leader", "زعيم المعارضة"}, {"crown prince", "ولي العهد"},
}

// verbs are headline verbs: en in the third person singular, ar in the
// masculine form that follows a role.
var verbs = []concept{
	{"discusses", "يبحث"}, {"meets officials on", "يلتقي مسؤولين بشأن"}, {"signs deal on", "يوقع اتفاقا بشأن"},
	{"rejects", "يرفض"}, {"welcomes progress on", "يرحب بالتقدم في"}, {"warns over", "يحذر من"},
	{"announces plan for", "يعلن خطة بشأن"}, {"calls for action on", "يدعو إلى التحرك بشأن"},
	{"suspends talks on", "يعلق المحادثات بشأن"}, {"resumes talks on", "يستأنف المحادثات بشأن"},
	{"backs", "يدعم"}, {"condemns", "يدين"}, {"postpones decision on", "يؤجل القرار بشأن"},
}

var weekdays = []concept{
	{"Monday", "الاثنين"}, {"Tuesday", "الثلاثاء"}, {"Wednesday", "الأربعاء"}, {"Thursday", "الخميس"},
	{"Friday", "الجمعة"}, {"Saturday", "السبت"}, {"Sunday", "الأحد"},
}

// fillerEn and fillerAr are sentences that carry no names, as real reports
// have between the ones that do.
var fillerEn = []string{
	"Officials did not give further details.",
	"The statement came after a week of meetings between the two delegations.",
	"Residents described long queues at petrol stations and bakeries.",
	"A spokesman declined to comment on the timing of the next round.",
	"The figures could not be independently verified.",
	"Diplomats said a draft text was circulating among the parties.",
	"Markets reacted cautiously to the announcement.",
	"Several lawmakers criticised the decision in parliament.",
	"Aid groups warned that the situation could deteriorate in the coming weeks.",
	"The ministry said more measures would be announced later this month.",
}

var fillerAr = []string{
	"ولم يقدم المسؤولون مزيدا من التفاصيل.",
	"وجاء البيان بعد أسبوع من الاجتماعات بين الوفدين.",
	"ووصف السكان طوابير طويلة أمام محطات الوقود والمخابز.",
	"ورفض متحدث التعليق على موعد الجولة المقبلة.",
	"ولم يتسن التحقق من الأرقام بشكل مستقل.",
	"وقال دبلوماسيون إن مسودة نص يجري تداولها بين الأطراف.",
	"وتفاعلت الأسواق بحذر مع الإعلان.",
	"وانتقد عدد من النواب القرار في البرلمان.",
	"وحذرت منظمات الإغاثة من أن الوضع قد يتدهور في الأسابيع المقبلة.",
	"وقالت الوزارة إنه سيتم الإعلان عن مزيد من الإجراءات في وقت لاحق هذا الشهر.",
}
