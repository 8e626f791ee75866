package org.erasure.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {

    /** {@code echo -n s3cret | sha256sum} */
    private static final String S3CRET_SHA256 = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

    @Test
    void matchesBearerTokensByTheirSha256() {
        assertThat(TokenAuthenticator.sha256Hex("s3cret")).isEqualTo(S3CRET_SHA256);
        TokenAuthenticator auth = new TokenAuthenticator(List.of(
                TokenAuthenticator.Client.of("ops", S3CRET_SHA256.toUpperCase(), Set.of(Role.SUBMIT))));
        assertThat(auth.authenticate("Bearer s3cret")).hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("ops"));
        assertThat(auth.authenticate("bearer  s3cret ")).isPresent();
        assertThat(auth.authenticate("Bearer other")).isEmpty();
        assertThat(auth.authenticate("Bearer ")).isEmpty();
        assertThat(auth.authenticate("Basic czNjcmV0")).isEmpty();
        assertThat(auth.authenticate(null)).isEmpty();
        assertThatThrownBy(() -> TokenAuthenticator.Client.of("x", "abc", Set.of())).hasMessageContaining("64 hex");
    }
}
