package org.erasure.sink.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.RegExp;
import org.elasticsearch.common.lucene.search.AutomatonQueries;
import org.erasure.events.Identifiers;
import org.erasure.sink.elasticsearch.EmailPatterns.Pattern;
import org.erasure.sink.elasticsearch.EmailPatterns.Type;
import org.junit.jupiter.api.Test;

/**
 * Pure logic: the patterns, compiled by the same Lucene and Elasticsearch code the node uses, match a
 * stored value exactly when its normalised spelling is a request's email.
 */
class EmailPatternsTest {

    /** What the node does with the query on a keyword field: collapse, parse (flags NONE), determinize; run on the UTF-8 term. */
    private static ByteRunAutomaton compile(Pattern p) {
        Automaton a;
        if (p.type() == Type.TERM_ANY_CASE) {
            a = AutomatonQueries.toCaseInsensitiveString(p.value());
        } else {
            String value = AutomatonQueries.collapseConsecutiveQuantifiers(p.value());
            int matchFlags = p.type() == Type.REGEXP_ASCII_FLAG ? RegExp.ASCII_CASE_INSENSITIVE : 0;
            a = new RegExp(value, RegExp.NONE, matchFlags).toAutomaton();
        }
        return new ByteRunAutomaton(Operations.determinize(a, 10_000));
    }

    private static boolean anyMatches(List<Pattern> patterns, String stored) {
        return compiled(patterns).stream().anyMatch(a -> run(a, stored));
    }

    private static final java.util.Map<List<Pattern>, List<ByteRunAutomaton>> CACHE = new java.util.IdentityHashMap<>();

    private static List<ByteRunAutomaton> compiled(List<Pattern> patterns) {
        return CACHE.computeIfAbsent(patterns, ps -> ps.stream().map(EmailPatternsTest::compile).toList());
    }

    private static boolean run(ByteRunAutomaton a, String stored) {
        byte[] bytes = stored.getBytes(StandardCharsets.UTF_8);
        return a.run(bytes, 0, bytes.length);
    }

    private static List<List<Pattern>> bothSpellings(List<String> emails) {
        return List.of(EmailPatterns.forScan(emails, 1000), EmailPatterns.forVerify(emails, 1000));
    }

    @Test
    void everyCaseVariantOfEveryCasedCharacterIsFound() {
        int checked = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.toLowerCase(cp) == cp && Character.toUpperCase(cp) == cp && Character.toTitleCase(cp) == cp) {
                continue;
            }
            String c = new String(Character.toChars(cp));
            // The contexts String.toLowerCase cares about: after a letter, before one, at the end of a word.
            for (String stored : List.of("a" + c + "b@x.test", "A" + c + "@x.test", c + "@x.test", "x@" + c)) {
                String email = Identifiers.normaliseEmail(stored);
                for (List<Pattern> patterns : bothSpellings(List.of(email))) {
                    assertThat(anyMatches(patterns, stored)).as("U+%04X in %s, %s", cp, stored, patterns).isTrue();
                    assertThat(anyMatches(patterns, " " + stored + "\t")).isTrue();
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(5_000);
    }

    @Test
    void surroundingWhitespaceIsWhatStripRemovesAndNothingElse() {
        String email = "alice.smith@example.test";
        List<Integer> whitespace = IntStream.rangeClosed(0, Character.MAX_CODE_POINT).filter(Character::isWhitespace).boxed().toList();
        assertThat(whitespace).contains(0x20, 0x09, 0x0A, 0x0D, 0x3000, 0x2028);
        for (List<Pattern> patterns : bothSpellings(List.of(email))) {
            for (int ws : whitespace) {
                String w = new String(Character.toChars(ws));
                String stored = w + w + "Alice.SMITH@Example.Test" + w;
                assertThat(Identifiers.normaliseEmail(stored)).isEqualTo(email);
                assertThat(anyMatches(patterns, stored)).as("U+%04X around the email", ws).isTrue();
            }
            // Not removed by strip(), so not the same email: no-break spaces, whitespace inside, other text around.
            for (String other : List.of("\u00A0alice.smith@example.test", "alice.smith@example.test\u202F", "alice. smith@example.test",
                    "xalice.smith@example.test", "alice.smith@example.testx", "alice.smith@example.test.evil", "lice.smith@example.test",
                    "alice.smithXexample.test", "alice-smith@example.test", "alice.smith@example.tes", "")) {
                assertThat(anyMatches(patterns, other)).as("'%s'", other).isFalse();
            }
        }
    }

    @Test
    void groupedPatternsFitTheLimitAndFindExactlyTheirEmails() {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            emails.add("contributor." + (1_000_000 + i * 7) + "@example.test");
        }
        for (List<Pattern> patterns : bothSpellings(emails)) {
            assertThat(patterns).allSatisfy(p -> assertThat(p.value().length()).isLessThanOrEqualTo(1000));
            assertThat(patterns.size()).as("%s", patterns.size()).isLessThan(250); // tens with the case flag, more spelled out
            for (int i = 0; i < 2_000; i += 37) {
                String stored = "  Contributor." + (1_000_000 + i * 7) + "@EXAMPLE.test ";
                assertThat(anyMatches(patterns, stored)).as(stored).isTrue();
                // a neighbour that is not in the batch (every 7th id only), nor a prefix or extension of one
                assertThat(anyMatches(patterns, "contributor." + (1_000_001 + i * 7) + "@example.test")).isFalse();
                assertThat(anyMatches(patterns, "contributor." + (1_000_000 + i * 7) + "0@example.test")).isFalse();
            }
        }
        System.out.printf("MEASURED patterns for 2,000 emails within 1,000 characters: %d with the case flag, %d spelled out%n",
                EmailPatterns.forScan(emails, 1000).size(), EmailPatterns.forVerify(emails, 1000).size());
    }

    @Test
    void operatorsInEmailsAreLiterals() {
        List<String> hostile = List.of("o'brien\"quoted@example.test", "100%_match*?[a-z]@example.test",
                "\"}},{\"match_all\":{}}@example.test", "slash/back\\slash@example.test", "zoë.müller+δοκιμή@exämple.test",
                "*@example.test", "(a|b)@x.y", "a{2,3}@x.y", "~a&b#c<1-9>@x.y", "a.*@x.y", "\\d\\s\\w@x.y", "^a$@x.y");
        for (String email : hostile) {
            for (List<Pattern> patterns : bothSpellings(List.of(email))) {
                assertThat(anyMatches(patterns, email)).as(email).isTrue();
                assertThat(anyMatches(patterns, email.toUpperCase(java.util.Locale.ROOT))).as(email).isTrue();
            }
        }
        for (List<Pattern> patterns : bothSpellings(List.of("*@example.test", "(a|b)@x.y", "a{2,3}@x.y", "a.*@x.y", "\\d\\s\\w@x.y"))) {
            for (String other : List.of("bob@example.test", "a@x.y", "b@x.y", "aa@x.y", "aaa@x.y", "ab@x.y", "a.b@x.y", "1 a@x.y", "\\d\\s\\wx@x.y")) {
                assertThat(anyMatches(patterns, other)).as(other).isFalse();
            }
        }
    }

    @Test
    void everyValueThatNormalisationWouldChangeIsNotNormalised() {
        ByteRunAutomaton notNormalised = compile(new Pattern(EmailPatterns.NOT_NORMALISED, Type.REGEXP_EXPLICIT));
        // A lowercase normalizer on the field is applied to the pattern as well: it must not change it.
        assertThat(EmailPatterns.NOT_NORMALISED.toLowerCase(java.util.Locale.ROOT)).isEqualTo(EmailPatterns.NOT_NORMALISED);
        int changed = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            String c = new String(Character.toChars(cp));
            for (String stored : List.of("a" + c + "b@x.test", c + "@x.test", "x@y" + c)) {
                if (!Identifiers.normaliseEmail(stored).equals(stored)) {
                    changed++;
                    assertThat(run(notNormalised, stored)).as("U+%04X in %s", cp, stored).isTrue();
                }
            }
        }
        assertThat(changed).isGreaterThan(3_000);
        for (String clean : List.of("contributor.1000000@example.test", "o'brien+tag@sub-domain.example", "a_b{c}|d~e@[127.0.0.1]", "")) {
            assertThat(run(notNormalised, clean)).as(clean).isFalse();
        }
        for (String dirty : List.of("Alice@x.org", " alice@x.org", "alice@x.org\t", "zoë@x.org", "\u3000a@x.org", "a b@x.org")) {
            assertThat(run(notNormalised, dirty)).as(dirty).isTrue();
        }
    }

    @Test
    void theMaskValueIsNotCountedAsNonNormalised() {
        for (String mask : List.of("DELETED_USER", "Gelöscht \\ [x]", "deleted_user")) {
            String pattern = AutomatonQueries.collapseConsecutiveQuantifiers(EmailPatterns.notNormalisedExcept(mask));
            ByteRunAutomaton a = new ByteRunAutomaton(Operations.determinize(new RegExp(pattern, RegExp.INTERSECTION).toAutomaton(), 10_000));
            assertThat(run(a, mask)).as(mask).isFalse();
            for (String dirty : List.of(mask + " ", " " + mask, mask + "X", mask.substring(1) + "Y", "X" + mask, "Alice@x.org", "a b")) {
                assertThat(run(a, dirty)).as("%s with mask %s", dirty, mask).isTrue();
            }
            for (String clean : List.of("alice@x.org", "", "deleted_user@x")) {
                assertThat(run(a, clean)).as(clean).isFalse();
            }
            if (!mask.equals(mask.toLowerCase(java.util.Locale.ROOT))) {
                assertThat(run(a, mask.substring(0, mask.length() - 1))).as("a prefix of the mask value").isTrue();
            }
        }
    }

    @Test
    void anEmailTooLongForARegexpFallsBackWithoutLosingIt() {
        String longEmail = "a".repeat(300) + "@example.test";   // fits with the case flag, not spelled out
        String huge = "b".repeat(2_000) + "@example.test";      // fits no regexp: any case, exact spacing
        List<Pattern> scan = EmailPatterns.forScan(List.of(longEmail, huge, "c@x.y"), 1000);
        assertThat(scan).extracting(Pattern::type).containsExactly(Type.REGEXP_ASCII_FLAG, Type.TERM_ANY_CASE);
        List<Pattern> verify = EmailPatterns.forVerify(List.of(longEmail, huge, "c@x.y"), 1000);
        assertThat(verify).extracting(Pattern::type).containsExactlyInAnyOrder(Type.REGEXP_EXPLICIT, Type.REGEXP_ASCII_FLAG, Type.TERM_ANY_CASE);
        for (List<Pattern> patterns : List.of(scan, verify)) {
            assertThat(anyMatches(patterns, " " + longEmail.toUpperCase(java.util.Locale.ROOT))).isTrue();
            assertThat(anyMatches(patterns, huge.toUpperCase(java.util.Locale.ROOT))).isTrue();
            assertThat(anyMatches(patterns, " " + huge)).as("documented limit").isFalse();
            assertThat(anyMatches(patterns, " C@X.Y")).isTrue();
            assertThat(anyMatches(patterns, "d@x.y")).isFalse();
        }
    }
}
