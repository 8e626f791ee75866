package org.erasure.client.intake;

import java.util.regex.Pattern;

/**
 * Practical email syntax (the dot-atom form of RFC 5322 with a DNS domain of at least two labels):
 * what a sign-up form stores. Quoted local parts and IP-literal domains are refused on purpose:
 * they do not occur in the stores and are more likely a broken CSV than a real address.
 */
public final class EmailSyntax {

    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private EmailSyntax() {}

    public static boolean isValid(String email) {
        if (email == null || email.length() > 254) {
            return false;
        }
        int at = email.lastIndexOf('@');
        if (at <= 0 || at == email.length() - 1 || at > 64) {
            return false;
        }
        if (!LOCAL.matcher(email.substring(0, at)).matches()) {
            return false;
        }
        String[] labels = email.substring(at + 1).split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
    }
}
