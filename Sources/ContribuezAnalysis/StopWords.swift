import Foundation

/// Stop words for theme detection: the Snowball lists for French, Spanish and English, plus the
/// filler words of consultation texts (adverbs, modal verbs, "etc.", pieces of web addresses).
/// Stored and matched accent-folded (`"été"` is stored as `"ete"`).
public enum StopWords {
    /// The folded stop words of `language`.
    public static func set(_ language: Themes.Language) -> Set<String> {
        switch language {
        case .french: return french
        case .spanish: return spanish
        case .english: return english
        }
    }

    /// True when `word` (any case, with or without accents) is a stop word of `language`.
    public static func contains(_ word: String, language: Themes.Language) -> Bool {
        set(language).contains(Themes.fold(word.lowercased()))
    }

    static func folded(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Themes.fold(String($0)) })
    }

    private static let web = " http https www com org fr es html php pdf "

    static let french: Set<String> = folded(
        """
        au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes moi mon ne nos
        notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l à m n
        s t y été étée étées étés étant étante étants étantes suis es est sommes êtes sont serai seras sera serons serez
        seront serais serait serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit
        soyons soyez soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as
        avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions aviez
        avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût eussions eussiez eussent
        ceci cela ça celui celle ceux celles cet cette ci là tout tous toute toutes plus moins très trop peu aussi bien
        comme donc car si sans sous entre dont où leurs quand alors ainsi peut peuvent pourrait pourraient doit doivent
        devrait devraient faut faudrait faire fait font être avoir autre autres mêmes chaque déjà encore non oui etc afin
        lors selon via chez vers contre depuis pendant avant après quel quelle quels quelles lequel laquelle lesquels
        lesquelles auquel auxquels duquel tel telle tels telles ici puis or ni certains certaines plusieurs aucun aucune
        rien personne chose choses cas part notamment également ailleurs toujours jamais souvent parfois ensuite enfin
        surtout vraiment simplement seulement beaucoup assez tant lorsque puisque parce mieux moyen fois afin exemple
        qu'il qu'elle qu'ils ceux-ci celle-ci voir dit dire va vont
        """ + web)

    static let spanish: Set<String> = folded(
        """
        de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí porque esta
        entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros
        ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada
        muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros vosotras
        os mío mía míos mías tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro nuestra nuestros nuestras vuestro
        vuestra vuestros vuestras esos esas estoy estás está estamos estáis están esté estés estemos estéis estén estaré
        estarás estará estaremos estaréis estarán estaría estarías estaríamos estaríais estarían estaba estabas
        estábamos estabais estaban estuve estuviste estuvo estuvimos estuvisteis estuvieron estuviera estuvieras
        estuviéramos estuvierais estuvieran estuviese estuvieses estuviésemos estuvieseis estuviesen estando estado
        estada estados estadas estad he has ha hemos habéis han haya hayas hayamos hayáis hayan habré habrás habrá
        habremos habréis habrán habría habrías habríamos habríais habrían había habías habíamos habíais habían hube
        hubiste hubo hubimos hubisteis hubieron hubiera hubieras hubiéramos hubierais hubieran hubiese hubieses
        hubiésemos hubieseis hubiesen habiendo habido habida habidos habidas soy eres es somos sois son sea seas seamos
        seáis sean seré serás será seremos seréis serán sería serías seríamos seríais serían era eras éramos erais eran
        fui fuiste fue fuimos fuisteis fueron fuera fueras fuéramos fuerais fueran fuese fueses fuésemos fueseis fuesen
        siendo sido tengo tienes tiene tenemos tenéis tienen tenga tengas tengamos tengáis tengan tendré tendrás tendrá
        tendremos tendréis tendrán tendría tendrías tendríamos tendríais tendrían tenía tenías teníamos teníais tenían
        tuve tuviste tuvo tuvimos tuvisteis tuvieron tuviera tuvieras tuviéramos tuvierais tuvieran tuviese tuvieses
        tuviésemos tuvieseis tuviesen teniendo tenido tenida tenidos tenidas tened
        si solo sólo así aquí allí bien puede pueden podría hacer hace hacen ser gracias etc vez veces cada toda todas
        tan pues ahora creo parece dice dicho luego entonces aunque además mejor cosa cosas vale claro ver menos tal
        mismo misma mismos mismas hoy usted ustedes sino cómo dónde cuándo
        """ + web)

    static let english: Set<String> = folded(
        """
        i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
        it its itself they them their theirs themselves what which who whom this that these those am is are was were be
        been being have has had having do does did doing a an the and but if or because as until while of at by for with
        about against between into through during before after above below to from up down in out on off over under
        again further then once here there when where why how all any both each few more most other some such no nor not
        only own same so than too very s t can will just don should now also would could may might must shall etc
        """ + web)
}
