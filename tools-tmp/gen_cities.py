# Throwaway: writes graph/cities.ttl and graph/participations.ttl from the tables below
# (transcribed from shared/facts). Not committed; the Turtle is the data.
CITIES = [
 # slug, label, country, local names, membership evidence [(id, sources, level, note)], wikidata (qid, src), note, sources
 ("amsterdam","Amsterdam","nl",[("Amsterdam","nl")],[("s1",["s1"],"Direct","On Eurofound's member list; joined the steering committee in 2006-08 (S1, S48)."),],("Q727","sq"),None),
 ("antwerp","Antwerp","be",[("Antwerpen","nl")],[("s1",["s1"],"Direct",None)],("Q12892","s78"),None),
 ("arnsberg","Arnsberg","de",[("Arnsberg","de")],[("s1",["s1","s14"],"Direct","On Eurofound's member list; chosen from the cities that applied (S14).")],None,None),
 ("athens","Athens","gr",[("Αθήνα","el")],[("s1",["s1"],"Direct",None)],("Q1524","s78"),"CLIP documents write the country code as GR (S63, 2009) and as EL (S70, S72, S75)."),
 ("diputacio-de-barcelona","Diputació de Barcelona","es",[],[("s1",["s1"],"Direct","Eurofound's list names the provincial council, spelt \"Diputaciò de Barcelona\"."),("s72",["s72","s25"],"Direct","Later lists (2011 onwards) write just \"Barcelona (ES)\".")],None,"The member is the provincial council of Barcelona (Diputació de Barcelona), not the city of Barcelona. Eurofound spells it \"Diputaciò\", which looks like an accent error. No GeoNames record of the province is in the packaged data, so it has no coordinates here."),
 ("bologna","Bologna","it",[("Bologna","it")],[("s1",["s1","s13"],"Direct","On Eurofound's member list; the city has its own CLIP web page (S13).")],("Q1891","s78"),None),
 ("breda","Breda","nl",[("Breda","nl")],[("s1",["s1"],"Direct",None)],None,None),
 ("brescia","Brescia","it",[("Brescia","it")],[("s1",["s1"],"Direct",None),("s63-s70",["s63","s70"],"Direct","Listed in the 2009 \"About CLIP\" boxes of the Stuttgart and Frankfurt housing case studies.")],None,"The 2011 list in the Frankfurt module 3 case study (S72) goes from Breda straight to Budapest: this suggests, but does not prove, that Brescia was no longer a member by 2011."),
 ("budapest","Budapest","hu",[("Budapest","hu")],[("s1",["s1"],"Direct",None)],("Q1781","sq"),None),
 ("copenhagen","Copenhagen","dk",[("København","da")],[("s1",["s1"],"Direct",None)],("Q1748","sq"),None),
 ("dublin","Dublin","ie",[("Baile Átha Cliath","ga")],[("s1",["s1"],"Direct",None)],("Q1761","s78"),"Venue of the network's official launch in September 2006 (S19)."),
 ("frankfurt","Frankfurt am Main","de",[("Frankfurt am Main","de")],[("s1",["s1","s107"],"Direct","On Eurofound's member list; the city's own page names it a CLIP member represented by its Office for Multicultural Affairs (S107).")],("Q1794","sq"),None),
 ("helsinki","Helsinki","fi",[("Helsinki","fi"),("Helsingfors","sv")],[("s1",["s1"],"Direct",None)],("Q1757","sq"),None),
 ("istanbul","Istanbul","tr",[("İstanbul","tr")],[("s1",["s1"],"Direct",None)],("Q406","s78"),"Which municipal body of Istanbul took part is not known from the sources."),
 ("izmir","Izmir","tr",[("İzmir","tr")],[("s1",["s1"],"Direct",None)],None,None),
 ("kirklees","Kirklees","gb",[],[("s1",["s1"],"Direct","Eurofound writes the country code as UK.")],None,"A metropolitan borough; the packaged GeoNames data has no record for it, so it has no coordinates here."),
 ("lisbon","Lisbon","pt",[("Lisboa","pt")],[("s1",["s1"],"Direct",None)],("Q597","sq"),None),
 ("liege","Liège","be",[("Liège","fr")],[("s1",["s1"],"Direct",None)],None,"Also the seat of the research centre CEDEM (S13)."),
 ("luxembourg","Luxembourg","lu",[("Lëtzebuerg","lb"),("Luxembourg","fr")],[("s1",["s1"],"Direct","Listed as the City of Luxembourg.")],("Q1842","sq"),None),
 ("mataro","Mataró","es",[("Mataró","ca")],[("s1",["s1"],"Direct","Eurofound spells it \"Matarò\", which looks like an accent error.")],None,None),
 ("malmo","Malmö","se",[("Malmö","sv")],[("s1",["s1"],"Direct",None)],None,None),
 ("prague","Prague","cz",[("Praha","cs")],[("s1",["s1"],"Direct",None)],("Q1085","sq"),None),
 ("sefton","Sefton","gb",[],[("s1",["s1"],"Direct","The stored list breaks off right after \"Sefton (\", before the country code.")],None,"A metropolitan borough. Its country is inferred: the member list breaks off before the code. The packaged GeoNames data has no record for it, so it has no coordinates here."),
 ("stuttgart","Stuttgart","de",[("Stuttgart","de")],[("founder",["s1","s15"],"Direct","Co-founder of the network; the network was founded on Stuttgart's initiative (S15).")],("Q1022","sq"),None),
 ("vienna","Vienna","at",[("Wien","de")],[("steering-committee",["s1","s46"],"Direct","On the steering committee, which it joined after the founding (by 2007, S46).")],("Q1741","sq"),None),
 ("tallinn","Tallinn","ee",[("Tallinn","et")],[("s28-s60",["s28","s60"],"Direct","Not on the visible part of Eurofound's list; CLIP field research was done in Tallinn in 2008 (S28, S60), and COMPAS's country list includes Estonia (S10).")],("Q1770","sq"),None),
 ("wroclaw","Wrocław","pl",[("Wrocław","pl")],[("s28-s60",["s28","s60","s30"],"Direct","Not on the visible part of Eurofound's list; CLIP field research was done in Wrocław in 2008 (S28, S60), and the University of Wrocław took part (S30).")],("Q1799","s78"),None),
 ("turku","Turku","fi",[("Turku","fi"),("Åbo","sv")],[("s22",["s22"],"Direct","Shown by its module 1 case study (S22).")],("Q38511","s77"),None),
 ("terrassa","Terrassa","es",[("Terrassa","ca")],[("s64",["s64"],"Direct","Shown by its module 1 case study (S64).")],None,None),
 ("valencia","Valencia","es",[("Valencia","es"),("València","ca")],[("s73",["s73"],"Direct","Shown by its module 2 case study (S73).")],("Q8818","sq"),None),
 ("zurich","Zürich","ch",[("Zürich","de")],[("s23",["s23"],"Direct","Shown by its module 3 case study (S23); COMPAS's country list includes Switzerland (S10).")],("Q72","sq"),None),
 ("zagreb","Zagreb","hr",[("Zagreb","hr")],[("s0",["s0"],"ProjectDescriptionOnly","Only the project description names a Zagreb case study (module 3). Croatia is not in COMPAS's country list for 2007-09 (S10).")],("Q1435","sq"),"Membership rests on the project description (S0) alone."),
]
PLACES = [
 ("bamberg","Bamberg","de",[("Bamberg","de")],["s13"]),
 ("oxford","Oxford","gb",[("Oxford","en")],["s10"]),
 ("strasbourg","Strasbourg","fr",[("Strasbourg","fr")],["s1","s16"]),
 ("brussels","Brussels","be",[("Bruxelles","fr"),("Brussel","nl")],["s42"]),
 ("warsaw","Warsaw","pl",[("Warszawa","pl")],["s29"]),
 ("cologne","Cologne","de",[("Köln","de")],["s40"]),
]
M = {"housing":1,"diversity":2,"intercultural":3,"entrepreneurship":4}
MT = {"housing":"module 1 (housing)","diversity":"module 2 (diversity in jobs and services)","intercultural":"module 3 (intercultural policies)","entrepreneurship":"module 4 (ethnic entrepreneurship)"}
P = [
 ("amsterdam","housing",["s67"],"Direct",["amsterdam-housing-case-study-2007"],None),
 ("antwerp","housing",["s69","s105","s106"],"Direct",["antwerp-housing-case-study"],None),
 ("arnsberg","housing",["s62","s102"],"Direct",["arnsberg-housing-case-study"],None),
 ("breda","housing",["s68"],"Direct",["breda-housing-case-study-2007"],None),
 ("frankfurt","housing",["s70"],"Direct",["frankfurt-housing-case-study","frankfurt-housing-case-study-2007"],None),
 ("stuttgart","housing",["s63"],"Direct",["stuttgart-housing-case-study"],None),
 ("terrassa","housing",["s64"],"Direct",["terrassa-housing-case-study"],None),
 ("turku","housing",["s22"],"Direct",["turku-housing-case-study-2007"],None),
 ("vienna","housing",["s0"],"ProjectDescriptionOnly",["vienna-housing-case-study"],"Only the project description names this case study; it was not found elsewhere."),
 ("antwerp","diversity",["s61","s103"],"Direct",["antwerp-diversity-case-study"],None),
 ("breda","diversity",["s21"],"Direct",["breda-diversity-case-study"],None),
 ("copenhagen","diversity",["s65","s66"],"Direct",["copenhagen-diversity-case-study"],None),
 ("frankfurt","diversity",["s71"],"Direct",["frankfurt-diversity-case-study"],None),
 ("stuttgart","diversity",["s66"],"Direct",["stuttgart-diversity-case-study"],None),
 ("valencia","diversity",["s73"],"Direct",["valencia-diversity-case-study"],None),
 ("vienna","diversity",["s0"],"ProjectDescriptionOnly",["vienna-diversity-case-study"],"Only the project description names this case study; it was not found elsewhere."),
 ("amsterdam","intercultural",["s76"],"Direct",["amsterdam-intercultural-draft-2009"],"Shown by a 2009 draft of the case study (\"3rd version\")."),
 ("breda","intercultural",["s74"],"Direct",["breda-intercultural-case-study"],None),
 ("budapest","intercultural",["s28","s60"],"Direct",["cee-intergroup-relations-article","intergroup-relations-cee-cities-working-paper"],"CLIP field research on intergroup relations in 2008 (S28, S60); no Eurofound case-study title was seen."),
 ("frankfurt","intercultural",["s72"],"Direct",["frankfurt-intercultural-case-study"],None),
 ("prague","intercultural",["s28","s60"],"Direct",["cee-intergroup-relations-article","intergroup-relations-cee-cities-working-paper"],"CLIP field research on intergroup relations in 2008 (S28, S60); no Eurofound case-study title was seen."),
 ("tallinn","intercultural",["s28","s60"],"Direct",["cee-intergroup-relations-article","intergroup-relations-cee-cities-working-paper"],"CLIP field research on intergroup relations in 2008 (S28, S60); no Eurofound case-study title was seen."),
 ("vienna","intercultural",["s24"],"Direct",["vienna-intercultural-case-study"],None),
 ("wroclaw","intercultural",["s28","s60"],"Direct",["cee-intergroup-relations-article","intergroup-relations-cee-cities-working-paper"],"CLIP field research on intergroup relations in 2008 (S28, S60); no Eurofound case-study title was seen."),
 ("zurich","intercultural",["s23"],"Direct",["zurich-intercultural-case-study"],None),
 ("valencia","intercultural",["s133"],"Direct",["valencia-intercultural-case-study"],None),
 ("zagreb","intercultural",["s0"],"ProjectDescriptionOnly",["zagreb-intercultural-case-study"],"Only the project description names this case study; it was not found elsewhere."),
 ("amsterdam","entrepreneurship",["s25"],"Direct",["amsterdam-entrepreneurship-case-study"],None),
 ("arnsberg","entrepreneurship",["s27"],"Direct",["arnsberg-entrepreneurship-case-study"],None),
 ("frankfurt","entrepreneurship",["s26","s27"],"Direct",["frankfurt-entrepreneurship-case-study"],None),
 ("stuttgart","entrepreneurship",["s27","s137"],"Direct",["stuttgart-entrepreneurship-case-study"],None),
 ("prague","entrepreneurship",["s0"],"ProjectDescriptionOnly",["prague-entrepreneurship-case-study"],"Only the project description names this case study; it was not found elsewhere. A related CMR working paper (S29) does not show a CLIP link."),
 ("vienna","entrepreneurship",["s0"],"ProjectDescriptionOnly",["vienna-entrepreneurship-case-study"],"Only the project description names this case study; it was not found elsewhere."),
]
def q(s): return '"' + s.replace('\\','\\\\').replace('"','\\"') + '"'
PFX = """@prefix clip: <https://w3id.org/clip-network/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix src: <https://w3id.org/clip-network/id/source/> .
@prefix network: <https://w3id.org/clip-network/id/network/> .
@prefix module: <https://w3id.org/clip-network/id/module/> .
@prefix city: <https://w3id.org/clip-network/id/city/> .
@prefix place: <https://w3id.org/clip-network/id/place/> .
@prefix country: <https://w3id.org/clip-network/id/country/> .
@prefix membership: <https://w3id.org/clip-network/id/membership/> .
@prefix participation: <https://w3id.org/clip-network/id/participation/> .
@prefix publication: <https://w3id.org/clip-network/id/publication/> .
"""
out = [PFX, "# Member cities of CLIP, their memberships as each source evidences them, and the\n# other places the graph names (seats of organisations, venues). Coordinates, GeoNames\n# links and countries come from graph/geo.ttl, generated from packaged data.\n"]
for slug,label,cc,locals_,mems,wd,note in CITIES:
    srcs = sorted({s for m in mems for s in m[1]} | ({wd[1]} if wd else set()), key=lambda x:(len(x),x))
    lines = [f"city:{slug} a clip:City", f"rdfs:label {q(label)}@en"]
    for n,l in locals_: lines.append(f"clip:localName {q(n)}@{l}")
    lines.append(f"clip:country country:{cc}")
    if wd: lines.append(f"clip:wikidata wd:{wd[0]}")
    if note: lines.append(f"skos:note {q(note)}@en")
    lines.append("dcterms:source " + ", ".join("src:"+s for s in srcs))
    out.append("\n" + " ;\n    ".join(lines) + " .\n")
    for mid, msrc, lvl, mnote in mems:
        ml = [f"membership:{slug}-{mid} a clip:Membership", f"rdfs:label {q(f'{label}: membership of CLIP')}@en", f"clip:memberCity city:{slug}", "clip:ofNetwork network:clip", f"clip:evidenceLevel clip:{lvl}Evidence" if lvl!="ProjectDescriptionOnly" else "clip:evidenceLevel clip:ProjectDescriptionOnly"]
        if mnote: ml.append(f"skos:note {q(mnote)}@en")
        ml.append("dcterms:source " + ", ".join("src:"+s for s in msrc))
        out.append("\n" + " ;\n    ".join(ml) + " .\n")
for slug,label,cc,locals_,srcs in PLACES:
    lines=[f"place:{slug} a clip:Place", f"rdfs:label {q(label)}@en"]
    for n,l in locals_: lines.append(f"clip:localName {q(n)}@{l}")
    lines.append(f"clip:country country:{cc}")
    lines.append("skos:note \"Not a member of CLIP: the seat of an organisation or a venue named in the sources.\"@en")
    lines.append("dcterms:source " + ", ".join("src:"+s for s in srcs))
    out.append("\n" + " ;\n    ".join(lines) + " .\n")
open("/work/main/graph/cities.ttl","w").write("".join(out))
labels = {c[0]:c[1] for c in CITIES}
out=[PFX, "# Which city took part in which research module, one node per city and module with\n# every source that shows it. A blank cell of the sheets' matrix means no evidence was\n# seen, not that the city did not take part.\n"]
for city,mod,srcs,lvl,pubs,note in P:
    lines=[f"participation:{city}-{mod} a clip:Participation", f"rdfs:label {q(labels[city]+' in '+MT[mod])}@en", f"clip:participant city:{city}", f"clip:inModule module:{mod}",
           "clip:evidenceLevel " + ("clip:DirectEvidence" if lvl=="Direct" else "clip:ProjectDescriptionOnly")]
    lines.append("clip:evidencedBy " + ", ".join("publication:"+p for p in pubs))
    if note: lines.append(f"skos:note {q(note)}@en")
    lines.append("dcterms:source " + ", ".join("src:"+s for s in srcs))
    out.append("\n" + " ;\n    ".join(lines) + " .\n")
open("/work/main/graph/participations.ttl","w").write("".join(out))
print(len(CITIES), len(P))
