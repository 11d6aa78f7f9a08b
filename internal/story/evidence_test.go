package story

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLexicon(t *testing.T) {
	l, err := parseLexicon(lexiconTSV)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[lexKind]int{}
	for _, e := range l.entries {
		kinds[e.kind]++
	}
	for _, k := range []lexKind{kindTown, kindCity, kindBody, kindNumber, kindOrdinal, kindMonth, kindQuantity} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the lexicon", k)
		}
	}
	for _, bad := range []struct{ name, text string }{
		{"columns", "town\tx\ty\n"},
		{"kind", "village\tx\tx\tx\tx\n"},
		{"value", "number\tthree\tthree\t-\t-\n"},
		{"twice", "town\tx\tx\t-\t-\ntown\tx\ty\t-\t-\n"},
		{"within", "town\tx\tx\t-\t-\tnowhere\n"},
		{"acts for", "body\tx\tx\t-\t-\tnowhere\n"},
		{"a number acts for none", "country\tc\tc\t-\t-\nnumber\t3\tthree\t-\t-\tc\n"},
		{"no words", "town\tx\t...\t-\t-\n"},
		{"an act's opposite", "act\topen\topens\t-\t-\tnothing\n"},
		{"an opposite that does not name it back", "act\ta\ta\t-\t-\tb\nact\tb\tb\t-\t-\tc\nact\tc\tc\t-\t-\tb\n"},
		{"only a quantity says how many", "town\tx\tx=2\t-\t-\n"},
		{"a quantity says one or two", "quantity\tk\tk=3\t-\t-\n"},
	} {
		if _, err := parseLexicon(bad.text); err == nil || !strings.Contains(err.Error(), "lexicon.tsv:") {
			t.Errorf("%s: error %v, want one naming lexicon.tsv", bad.name, err)
		}
	}
}

// facts describes the facts of a title and summary as group=value.
func facts(title, summary string) []string {
	var out []string
	for _, f := range Extract(title, summary).Facts {
		out = append(out, fact(f).groupName()+"="+fact(f).describe())
	}
	return out
}

func TestEvidence(t *testing.T) {
	for _, tc := range []struct {
		name, title, summary string
		want, not            []string
	}{
		{"town and toll, English", "Israeli strike on Qana kills three", "Three people were killed and 5 wounded.",
			[]string{"place=qana", "place in the title=qana", "killed=3", "wounded=5"}, nil},
		{"Arabic prefixes and number words", "غارة إسرائيلية على عيترون", "استشهاد ثلاثة مواطنين وإصابة 4 آخرين في بلدة عيترون",
			[]string{"place=aitaroun", "killed=3", "wounded=4"}, nil},
		{"Hebrew acronym with a prefix", `בצה"ל אומרים: 2 הרוגים בתקיפה בבינת ג'בייל`, "",
			[]string{"body=idf", "subject=idf", "killed=2", "place=bint-jbeil"}, nil},
		{"subject is the title's first body", "EU decides on Syrian banks after US Treasury move", "",
			[]string{"subject=eu", "body=eu", "body=us-treasury"}, []string{"subject=us-treasury"}},
		{"rounds", "Fourth round of Syria-Israel talks opens in Paris", "הסבב הרביעי",
			[]string{"round=4", "place=paris"}, nil},
		{"dates", "Ceremony on 7 October", "ביום 3 באוקטובר",
			[]string{"date=10-7", "date=10-3"}, nil},
		{"ages are no tolls", "גבר כבן 20 נפצע באורח קשה", "Aged 13, the boy was hurt",
			[]string{"age=20", "age=13"}, []string{"wounded=20", "wounded=13"}},
		{"amounts", "Deal worth $1.2 billion", "12 מיליון דולר",
			[]string{"amount=#", "amount in usd=#"}, nil},
		{"a unit is no figure", "3 years after the war, 5 km from the border", "",
			nil, []string{"killed=3"}},
		{"numbers whatever they count", "Lebanon says 410,000 Syrians left", "الأمن العام: مغادرة 410 آلاف سوري، و1.4 مليون لاجئ",
			[]string{"number=410000", "number=#"}, nil},
		{"a year and a day are no numbers", "Returns since 2024", "ביום 3 באוקטובר",
			[]string{"date=10-3"}, []string{"number=2024", "number=3"}},
		{"a country that leads the title acts", "U.S. removes Syrian banks from sanctions list", "",
			[]string{"subject=usa"}, nil},
		{"a country further on is what the title is about", "Sanctions on Syrian banks lifted by US", "",
			nil, []string{"subject=usa", "subject=syria"}},
		{"a country after a word that leads", "الخزانة الأمريكية ترفع مصرفين سوريين من قائمة العقوبات", "",
			[]string{"subject="}, []string{"subject=syria"}},
		{"a capital that leads a title acts", "Washington eases sanctions on Syria's central bank", "",
			[]string{"subject=usa", "place=washington"}, nil},
		{"a capital further on is a place", "Syrian and Israeli officials meet in Washington", "",
			[]string{"place=washington"}, []string{"subject=usa"}},
		{"Arabic and Hebrew capitals", "لندن ترفع مصرف سوريا المركزي من قائمة العقوبات", "",
			[]string{"subject=uk"}, nil},
		{"Hebrew capital", "וושינגטון מקלה בסנקציות על הבנק המרכזי של סוריה", "",
			[]string{"subject=usa"}, nil},
		{"opposite acts in a title", "Allenby crossing reopens to travellers", "The crossing was closed in the morning.",
			[]string{"opposite acts=open"}, []string{"opposite acts=close"}},
		{"Arabic and Hebrew acts", "إغلاق جسر الملك حسين أمام المسافرين", "",
			[]string{"opposite acts=close"}, nil},
		{"Hebrew act", "גשר אלנבי נפתח מחדש לתנועת נוסעים", "",
			[]string{"opposite acts=open"}, nil},
		{"fire is opened, not a crossing", "Troops open fire at protesters near the fence", "",
			nil, []string{"opposite acts=open"}},
		{"a ceasefire is no suspension", "خرق جديد لوقف إطلاق النار في الجنوب", "",
			nil, []string{"opposite acts=suspend"}},
		{"an Arabic dual says two", "شهيدان بقصف مسيّرة شرق خان يونس", "",
			[]string{"killed=2"}, nil},
		{"Hebrew: eliminated are killed", "שני מחבלים חוסלו בתקיפה בחאן יונס", "",
			[]string{"killed=2"}, nil},
		{"after a vote, a reaction", "Israel ends cooperation with UN rights council after Gaza inquiry vote", "",
			[]string{"reaction="}, nil},
		{"Arabic: after the decision", "إسرائيل تقطع علاقاتها بمجلس حقوق الإنسان بعد قرار تمديد لجنة التحقيق", "",
			[]string{"reaction="}, nil},
		{"Hebrew: following the vote", "ישראל מנתקת את הקשר עם מועצת זכויות האדם בעקבות ההצבעה בז'נבה", "",
			[]string{"reaction="}, nil},
		{"after what is no decision", "Parliament passes financial gap law after marathon session", "",
			nil, []string{"reaction="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := facts(tc.title, tc.summary)
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("facts %q lack %q", got, w)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("facts %q have %q", got, n)
				}
			}
		})
	}
}

func TestDisagree(t *testing.T) {
	for _, tc := range []struct {
		name         string
		a, b         [2]string // title, summary
		kind         string    // "" for no veto
		itemAndStory string
	}{
		{"two towns", [2]string{"Israeli strike on Qana kills three", ""}, [2]string{"Israeli strike on Aitaroun kills two", ""}, "place", "qana ≠ aitaroun"},
		{"a town and its city", [2]string{"Strike near Qana", ""}, [2]string{"Strike near Tyre", ""}, "", ""},
		{"two tolls", [2]string{"Strike in south Lebanon", "Three people were killed."}, [2]string{"Strike in south Lebanon", "Five people were killed."}, "killed", "3 ≠ 5"},
		{"one toll in common", [2]string{"Strike", "3 killed, 2 wounded"}, [2]string{"Strike", "3 killed"}, "", ""},
		{"rounds", [2]string{"Fourth round of Syria-Israel talks in Paris", ""}, [2]string{"Fifth round of Syria-Israel talks in Paris", ""}, "round", "4 ≠ 5"},
		{"subjects", [2]string{"US Treasury delists Syrian banks", ""}, [2]string{"EU lifts sanctions on Syrian banks", ""}, "subject", "us-treasury ≠ eu"},
		{"subject named by the other", [2]string{"IDF strikes Hezbollah in Tyre", ""}, [2]string{"Hezbollah says IDF strike hit Tyre", ""}, "", ""},
		{"a country and another body", [2]string{"American Treasury removes Syrian banks from sanctions list", ""}, [2]string{"EU lifts sanctions on Syrian banks", ""}, "subject", "usa ≠ eu"},
		{"a body and the country it acts for", [2]string{"Israeli jets strike Hezbollah site in Tyre", ""}, [2]string{"IDF says it struck a site in Tyre", ""}, "", ""},
		{"a body acts for its country in the other's text", [2]string{"Lebanon arrests three over rocket fire", ""}, [2]string{"Hezbollah denies role in rocket fire", "The Lebanese army said it arrested three."}, "reaction", ""},
		{"numbers never veto", [2]string{"Strike in the south", "Rockets hit 12 houses"}, [2]string{"Strike in the south", "40 people fled"}, "", ""},
		{"dates", [2]string{"Talks on 3 October", ""}, [2]string{"Talks on 5 October", ""}, "date", "10-3 ≠ 10-5"},
		{"an earthquake is felt widely", [2]string{"Quake shakes Idlib", ""}, [2]string{"Earthquake felt in Aleppo", ""}, "", ""},
		{"nothing to compare", [2]string{"Talks resume", ""}, [2]string{"Strike in Tyre", "3 killed"}, "", ""},
		// Evidence that needs no lexicon (names.go): places the lexicon
		// lacks, counts of any noun, a title that says no.
		{"two unlisted villages", [2]string{"Drone strike kills two in Kfar Zibad", ""}, [2]string{"Drone strike kills two in Beit Lif", ""}, "named place", ""},
		{"one unlisted village", [2]string{"Drone strike kills two in Kfar Zibad", ""}, [2]string{"Two killed as drone hits car near Kfar Zibad", ""}, "", ""},
		{"a listed and an unlisted place", [2]string{"Strike near Qana", ""}, [2]string{"Strike in Beit Lif", ""}, "named place", ""},
		{"a town and its city, named", [2]string{"Strike in Qana", ""}, [2]string{"Strike in Tyre", ""}, "", ""},
		{"a title place named in the other's text", [2]string{"Alliance intercepts drone aimed at Zibad", ""},
			[2]string{"Alliance jets strike sites in Lif", "Jets struck sites in Lif, hours after a drone was launched at Zibad."}, "named place in the title", ""},
		{"Arabic villages", [2]string{"غارة على بلدة دير عامص", ""}, [2]string{"غارة على بلدة صديقين", ""}, "named place", ""},
		{"Hebrew villages", [2]string{"תקיפה בכפר זיבד", ""}, [2]string{"תקיפה בכפר בית ליף", ""}, "named place", ""},
		{"no capital, no name", [2]string{"Talks in private", "Officials met in secret"}, [2]string{"Talks in Geneva", ""}, "", ""},
		{"two counts of one noun", [2]string{"Lebanon to hand over 300 prisoners", ""}, [2]string{"Lebanon to hand over 250 prisoners", ""}, "count", "300 ≠ 250"},
		{"counts of two nouns", [2]string{"Lebanon to hand over 300 prisoners", ""}, [2]string{"Lebanon to hand over 250 detainees and 300 prisoners", ""}, "", ""},
		{"a page's comments", [2]string{"Strike in the south", "12 comments"}, [2]string{"Strike in the south", "4 comments"}, "", ""},
		{"a year is no count", [2]string{"Refugees returned since 2024 elections", ""}, [2]string{"Refugees returned since 2025 elections", ""}, "", ""},
		{"an announcement and no decision", [2]string{"White House: Azerbaijan to join Abraham Accords", ""},
			[2]string{"Baku: no decision yet on joining Abraham Accords", ""}, "reaction", ""},
		{"Hebrew: not yet", [2]string{"הבית הלבן: אזרבייג'ן תצטרף להסכמי אברהם", ""},
			[2]string{"באזרבייג'ן: טרם התקבלה החלטה סופית על הצטרפות להסכמי אברהם", ""}, "reaction", ""},
		{"a quoted no is no denial", [2]string{`Netanyahu at memorial: "Hamas will not rule Gaza"`, ""}, [2]string{"Netanyahu speaks at memorial ceremony", ""}, "", ""},
		{"no casualties is no denial", [2]string{"Israeli jets hit house, no casualties", ""}, [2]string{"Israeli strike hits house", ""}, "", ""},
		// Opposite acts, reactions to another's decision, capitals as
		// subjects, and figures said by a word (issue 12, fourth round).
		{"a crossing closed and reopened", [2]string{"Israel closes Allenby crossing to travellers", ""},
			[2]string{"Allenby crossing reopens to travellers", ""}, "opposite acts", "close ≠ open"},
		{"Arabic: closed and reopened", [2]string{"إغلاق جسر الملك حسين أمام حركة المسافرين", ""},
			[2]string{"إعادة فتح جسر الملك حسين أمام المسافرين", ""}, "opposite acts", "close ≠ open"},
		{"Hebrew: closed and reopened", [2]string{"גשר אלנבי נסגר לתנועת נוסעים", ""},
			[2]string{"גשר אלנבי נפתח מחדש לתנועת נוסעים", ""}, "opposite acts", "close ≠ open"},
		{"closed and reopened in one title", [2]string{"Allenby crossing reopens after morning closure", ""},
			[2]string{"Israel closes Allenby crossing to travellers", ""}, "", ""},
		{"one act in two words", [2]string{"Israel shuts Allenby crossing", ""},
			[2]string{"Allenby crossing closed to travellers", ""}, "", ""},
		{"sanctions imposed and lifted", [2]string{"EU imposes sanctions on Syrian militia leaders", ""},
			[2]string{"EU lifts sanctions on Syrian militia leaders", ""}, "opposite acts", "impose ≠ lift"},
		{"a decision and the reaction to it", [2]string{"UN rights council extends Gaza inquiry mandate in 28-6 vote", ""},
			[2]string{"Israel ends cooperation with UN rights council after Gaza inquiry vote", ""}, "reaction", "no ≠ yes"},
		{"Arabic: a decision and the reaction to it", [2]string{"مجلس حقوق الإنسان يمدد ولاية لجنة التحقيق بشأن غزة", ""},
			[2]string{"إسرائيل تقطع علاقاتها بمجلس حقوق الإنسان بعد قرار تمديد لجنة التحقيق", ""}, "reaction", "no ≠ yes"},
		{"Hebrew: a decision and the reaction to it", [2]string{"מועצת זכויות האדם האריכה את המנדט של ועדת החקירה על עזה", ""},
			[2]string{"ישראל מנתקת את הקשר עם מועצת זכויות האדם בעקבות ההצבעה בז'נבה", ""}, "reaction", "no ≠ yes"},
		{"two reactions to one vote", [2]string{"Israel cuts ties with UN rights body following Geneva vote", ""},
			[2]string{"Israel ends cooperation with UN rights council after Gaza inquiry vote", ""}, "", ""},
		{"a meeting and its scrapping", [2]string{"Lebanese and Syrian officials hold border talks in Amman", ""},
			[2]string{"Lebanon-Syria border session in Amman scrapped", ""}, "reaction", "no ≠ yes"},
		{"Hebrew: a meeting and its cancellation", [2]string{"נציגי לבנון וסוריה נפגשו בעמאן לשיחות על הגבול", ""},
			[2]string{"המפגש בין לבנון לסוריה בעמאן ירד מהפרק", ""}, "reaction", "no ≠ yes"},
		{"two capitals' decisions", [2]string{"Washington eases sanctions on Syria's central bank", ""},
			[2]string{"Britain delists Syria's central bank", ""}, "subject", "usa ≠ uk"},
		{"Arabic: two capitals' decisions", [2]string{"واشنطن تخفف العقوبات على مصرف سوريا المركزي", ""},
			[2]string{"بريطانيا ترفع مصرف سوريا المركزي من قائمة العقوبات", ""}, "subject", "usa ≠ uk"},
		{"Hebrew: a capital and a country", [2]string{"וושינגטון מקלה בסנקציות על הבנק המרכזי של סוריה", ""},
			[2]string{"בריטניה הסירה את הבנק המרכזי של סוריה מרשימת הסנקציות", ""}, "subject", "usa ≠ uk"},
		{"a capital and its country", [2]string{"Washington eases sanctions on Syria's central bank", ""},
			[2]string{"US eases sanctions on Syrian central bank", ""}, "", ""},
		{"an Arabic dual and three", [2]string{"شهيدان بقصف مسيّرة شرق خان يونس", ""},
			[2]string{"ثلاثة شهداء بقصف مدفعي على خان يونس", ""}, "killed", "2 ≠ 3"},
		{"a welcome is a reaction", [2]string{"Lebanese cabinet approves army plan to disarm groups south of the Litani", ""},
			[2]string{"Saudi Arabia welcomes Lebanon's disarmament decision", ""}, "reaction", "no ≠ yes"},
		{"Arabic: a welcome", [2]string{"مجلس الوزراء اللبناني يقر خطة الجيش لحصر السلاح جنوب الليطاني", ""},
			[2]string{"السعودية ترحب بقرار الحكومة اللبنانية حصر السلاح بيد الدولة", ""}, "reaction", "no ≠ yes"},
		{"Hebrew: rejects, written as Doha is", [2]string{"ממשלת לבנון אישרה את תוכנית הצבא לפירוק הנשק", ""},
			[2]string{"חיזבאללה דוחה את תוכנית פירוק הנשק של ממשלת לבנון", ""}, "reaction", "no ≠ yes"},
		{"Hebrew: in Doha is no rejection", [2]string{"שיחות בדוחה על עסקת החטופים", ""},
			[2]string{"שיחות על עסקת החטופים נפתחו בדוחה", ""}, "", ""},
		{"an Arabic dual and two", [2]string{"شهيدان بقصف مسيّرة شرق خان يونس", ""},
			[2]string{"استشهاد اثنين بقصف مسيرة في خان يونس", ""}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := Extract(tc.a[0], tc.a[1]), Extract(tc.b[0], tc.b[1])
			v, ok := disagree(a.Facts, b.Facts)
			switch {
			case tc.kind == "" && ok:
				t.Errorf("vetoed: %s", v)
			case tc.kind != "" && !ok:
				t.Errorf("no veto, want %s", tc.kind)
			case ok && (v.Kind != tc.kind || !strings.HasSuffix(v.String(), tc.itemAndStory)):
				t.Errorf("veto %q, want %s: …%s", v, tc.kind, tc.itemAndStory)
			}
		})
	}
}

// A fresh index groups from the first items: no window of items is needed
// for rarity, and wire copy under another headline joins its original.
func TestSmallWorld(t *testing.T) {
	const report = "Israeli and Syrian delegations met in Paris on Thursday for a fourth round of talks on a security " +
		"arrangement in southern Syria, officials from both sides said. The meeting, hosted by French officials at the Quai " +
		"d'Orsay, lasted five hours and focused on the demilitarised zone, the return of displaced villagers to Quneitra " +
		"province and a mechanism to handle incidents along the 1974 line. US envoy Tom Barrack attended the opening session " +
		"and said the sides had narrowed their differences. A fifth meeting is expected within weeks."
	copied := strings.NewReplacer("Thursday", "Thursday evening", "five hours", "six hours", "narrowed", "reduced").Replace(report)
	tests := []struct {
		name  string
		it    Item
		stage Stage
	}{
		{"wire copy under a new headline", item(2, 2, t0.Add(time.Hour), "https://b.example/2",
			"Paris hosts new Israel-Syria security talks", copied), StageBody},
		{"own report of the event", item(3, 3, t0.Add(time.Hour), "https://c.example/3",
			"Israel, Syria hold fourth round of talks in Paris",
			"A fourth round of Israel-Syria talks took place in Paris, with US envoy Barrack at the opening; Quneitra's displaced and the 1974 line were on the table."),
			StageTerms},
		{"the next round", item(4, 4, t0.Add(time.Hour), "https://d.example/4",
			"Israel, Syria hold fifth round of talks in Paris",
			"A fifth round of Israel-Syria talks took place in Paris, with US envoy Barrack at the opening; Quneitra's displaced and the 1974 line were on the table."),
			StageNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			first := item(1, 1, t0, "https://a.example/1", "Israel and Syria hold fourth round of security talks in Paris", report)
			first.Story = 7
			x.Add(first)
			m := x.Assign(&tc.it)
			if m.Stage != tc.stage || (tc.stage != StageNew && m.Story != 7) {
				t.Fatalf("match %+v, want stage %s", m, tc.stage)
			}
			if tc.stage == StageNew && (len(m.Vetoed) != 1 || m.Vetoed[0].Veto.Kind != "round") {
				t.Errorf("vetoes %+v, want the fourth round's story vetoed by round", m.Vetoed)
			}
			if tc.stage == StageTerms && !slices.Contains(m.Shared, "paris") {
				t.Errorf("shared words %q lack paris", m.Shared)
			}
		})
	}
}

// TestAcrossLanguages: an Arabic report of an English story's event joins
// it through the lexicon's identifiers; one of another town does not.
func TestAcrossLanguages(t *testing.T) {
	en := item(1, 1, t0, "https://a.example/1", "Shooting in Jaffa leaves young man seriously wounded",
		"A man in his twenties was seriously wounded in a shooting in Jaffa on Saturday night, Magen David Adom said; police are investigating.")
	en.Story = 3
	for _, tc := range []struct {
		name  string
		it    Item
		stage Stage
	}{
		{"the same event in Arabic", item(2, 2, t0.Add(time.Hour), "https://b.example/2", "يافا: إصابة خطيرة لشاب في جريمة إطلاق نار",
			"أصيب شاب بجروح خطيرة في جريمة إطلاق نار في يافا، وقالت نجمة داود الحمراء إنه نقل إلى المستشفى."), StageFacts},
		{"another town in Arabic", item(3, 2, t0.Add(time.Hour), "https://b.example/3", "الطيرة: إصابة خطيرة لشاب في جريمة إطلاق نار",
			"أصيب شاب بجروح خطيرة في جريمة إطلاق نار في الطيرة، وقالت نجمة داود الحمراء إنه نقل إلى المستشفى."), StageNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			x.Add(en)
			m := x.Assign(&tc.it)
			if m.Stage != tc.stage || (tc.stage == StageFacts && (m.Story != 3 || !slices.Contains(m.Shared, "place jaffa"))) {
				t.Errorf("%+v, want %s", m, tc.stage)
			}
		})
	}
	// A story that holds a report of the item's own feed already is not
	// joined across languages: the outlet's second report is most often
	// another development.
	t.Run("a story with the outlet's own report", func(t *testing.T) {
		x := NewIndex(Options{})
		x.Add(en)
		own := item(4, 2, t0.Add(30*time.Minute), "https://b.example/4", "مراسلنا: تفاصيل أولية عن الحادث",
			"ننشر لاحقا تفاصيل إضافية عن الحادث مساء السبت.")
		own.Story = 3
		x.Add(own)
		it := item(2, 2, t0.Add(time.Hour), "https://b.example/2", "يافا: إصابة خطيرة لشاب في جريمة إطلاق نار",
			"أصيب شاب بجروح خطيرة في جريمة إطلاق نار في يافا، وقالت نجمة داود الحمراء إنه نقل إلى المستشفى.")
		if m := x.Assign(&it); m.Stage != StageNew {
			t.Errorf("%+v, want a story of its own", m)
		}
		if ex := x.Explain(&it, 3); !ex.OtherScript || !ex.HoldsOwnFeed || ex.Match.Stage != StageNew {
			t.Errorf("explanation %+v, want the story's own report of the feed to keep it out", ex)
		}
	})
}

// TestExplain: Explain says, for one story, what each stage found and
// which joins, and agrees with Assign.
func TestExplain(t *testing.T) {
	qana := item(1, 1, t0, "https://a.example/qana", "Israeli strike on Qana kills three",
		"Three people were killed when an Israeli drone struck a car in Qana, south Lebanon, the health ministry said.")
	qana.Story = 1
	x := NewIndex(Options{})
	x.Add(qana)
	for _, tc := range []struct {
		name  string
		it    Item
		stage Stage
		veto  string
	}{
		{"same link", item(2, 2, t0.Add(time.Hour), "https://a.example/qana", "Strike", "Other words."), StageLink, ""},
		{"own report", item(3, 2, t0.Add(time.Hour), "https://b.example/3", "Drone strike kills three in Qana",
			"An Israeli drone hit a car in Qana in south Lebanon, killing three people, the health ministry said."), StageTerms, ""},
		{"another town", item(4, 2, t0.Add(time.Hour), "https://b.example/4", "Drone strike kills three in Aitaroun",
			"An Israeli drone hit a car in Aitaroun in south Lebanon, killing three people, the health ministry said."), StageNew, "place"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := x.Explain(&tc.it, 1)
			if ex.Items != 1 || ex.Match.Stage != tc.stage {
				t.Errorf("explanation %+v, want stage %s", ex, tc.stage)
			}
			if m := x.Assign(&tc.it); m.Stage != tc.stage {
				t.Errorf("Assign %+v disagrees with Explain's %s", m, ex.Match.Stage)
			}
			if (ex.Veto == nil) != (tc.veto == "") || (ex.Veto != nil && ex.Veto.Kind != tc.veto) {
				t.Errorf("veto %v, want %q", ex.Veto, tc.veto)
			}
			if tc.stage == StageTerms && (ex.Score < ex.Threshold || !slices.Contains(ex.Shared, "qana")) {
				t.Errorf("score %.2f, shared %q", ex.Score, ex.Shared)
			}
		})
	}
	if ex := x.Explain(&Item{ID: 9, Seen: t0}, 42); ex.Items != 0 || ex.Match.Stage != StageNew {
		t.Errorf("unknown story: %+v", ex)
	}
}

// TestExplainNamesNewVetoes: the vetoes of opposite acts and of a
// reaction to another's decision keep reports apart that share every
// rare word, in the three languages, and Explain names them.
func TestExplainNamesNewVetoes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, next [2]string
		veto        string
	}{
		{"closed, then reopened",
			[2]string{"Israel closes Allenby crossing to travellers",
				"The Allenby Bridge crossing between the West Bank and Jordan was closed to travellers on Monday morning until further notice, the Airports Authority said."},
			[2]string{"Allenby crossing reopens to travellers",
				"The Allenby Bridge crossing between the West Bank and Jordan reopened to travellers on Monday afternoon, the Airports Authority said."},
			"opposite acts: open ≠ close"},
		{"Arabic: closed, then reopened",
			[2]string{"إغلاق جسر الملك حسين أمام حركة المسافرين",
				"أغلقت السلطات الإسرائيلية صباح الإثنين جسر الملك حسين بين الضفة الغربية والأردن أمام حركة المسافرين حتى إشعار آخر."},
			[2]string{"إعادة فتح جسر الملك حسين أمام المسافرين",
				"أعادت السلطات الإسرائيلية بعد ظهر الإثنين فتح جسر الملك حسين بين الضفة الغربية والأردن أمام حركة المسافرين."},
			"opposite acts: open ≠ close"},
		{"Hebrew: a vote, and the reaction to it",
			[2]string{"מועצת זכויות האדם האריכה את המנדט של ועדת החקירה על עזה",
				"מועצת זכויות האדם של האו\"ם בז'נבה האריכה היום בשנה את המנדט של ועדת החקירה על עזה, ברוב של 28 מול 6. ישראל וארצות הברית הצביעו נגד."},
			[2]string{"ישראל מנתקת את הקשר עם מועצת זכויות האדם בעקבות ההצבעה בז'נבה",
				"ישראל תפסיק כל שיתוף פעולה עם מועצת זכויות האדם של האו\"ם ועם ועדת החקירה על עזה, לאחר שהמועצה בז'נבה האריכה את המנדט שלה ברוב של 28 מול 6."},
			"reaction: yes ≠ no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := item(1, 1, t0, "https://a.example/1", tc.first[0], tc.first[1])
			first.Story = 1
			x := NewIndex(Options{})
			x.Add(first)
			next := item(2, 2, t0.Add(8*time.Hour), "https://b.example/2", tc.next[0], tc.next[1])
			ex := x.Explain(&next, 1)
			if ex.Veto == nil || ex.Veto.String() != tc.veto {
				t.Fatalf("veto %v, want %q (explanation %+v)", ex.Veto, tc.veto, ex)
			}
			if m := x.Assign(&next); m.Stage != StageNew {
				t.Errorf("Assign joined by %s despite the veto", m.Stage)
			}
			// Without the evidence the reports would join: the veto is
			// what keeps them apart.
			bare := next
			bare.Facts = nil
			if ex := x.Explain(&bare, 1); ex.Match.Stage == StageNew {
				t.Errorf("without evidence the reports do not join either (%+v): the test shows nothing", ex)
			}
		})
	}
}
