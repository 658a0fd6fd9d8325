// Makes a signed token for Switchboard (docs/security.md) with Nimbus JOSE+JWT, the library the
// server verifies with. A single-file program: run it with the library's jar on the class path:
//
//   java -cp nimbus-jose-jwt-10.10.jar tools/jwt/MakeToken.java \
//       --secret-file /etc/switchboard/jwt.secret --sub alice --name Alice --ttl 3600 \
//       --rooms 'chat.*=join,publish,presence' --rooms 'news=join' --direct
//
// Keys: --secret-file FILE (HS256), or --rsa-key FILE / --ec-key FILE (RS256 / ES256: a PKCS#8
// "BEGIN PRIVATE KEY" PEM, as `openssl genpkey` writes it) with an optional --kid ID.
// Prints the token on one line. --broadcast and --direct set those rights.

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class MakeToken {
    public static void main(String[] args) throws Exception {
        String secretFile = null, rsaKey = null, ecKey = null, kid = null, sub = null, name = null;
        long ttl = 3600;
        boolean broadcast = false, direct = false;
        Map<String, List<String>> rooms = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--secret-file" -> secretFile = args[++i];
                case "--rsa-key" -> rsaKey = args[++i];
                case "--ec-key" -> ecKey = args[++i];
                case "--kid" -> kid = args[++i];
                case "--sub" -> sub = args[++i];
                case "--name" -> name = args[++i];
                case "--ttl" -> ttl = Long.parseLong(args[++i]);
                case "--rooms" -> {
                    String[] pr = args[++i].split("=", 2);
                    rooms.put(pr[0], pr.length > 1 && !pr[1].isEmpty() ? List.of(pr[1].split(",")) : List.of());
                }
                case "--broadcast" -> broadcast = true;
                case "--direct" -> direct = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (sub == null) {
            throw new IllegalArgumentException("--sub is required");
        }
        Map<String, Object> sb = new LinkedHashMap<>();
        sb.put("rooms", rooms);
        sb.put("broadcast", broadcast);
        sb.put("direct", direct);
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub).issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(ttl))).claim("sb", sb);
        if (name != null) {
            claims.claim("name", name);
        }
        JWSSigner signer;
        JWSAlgorithm alg;
        if (secretFile != null) {
            signer = new MACSigner(Files.readString(Path.of(secretFile), StandardCharsets.UTF_8).strip()
                    .getBytes(StandardCharsets.UTF_8));
            alg = JWSAlgorithm.HS256;
        } else if (rsaKey != null) {
            signer = new RSASSASigner((RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(pkcs8(rsaKey)));
            alg = JWSAlgorithm.RS256;
        } else if (ecKey != null) {
            signer = new ECDSASigner((ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(pkcs8(ecKey)));
            alg = JWSAlgorithm.ES256;
        } else {
            throw new IllegalArgumentException("one of --secret-file, --rsa-key, --ec-key is required");
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims.build());
        jwt.sign(signer);
        System.out.println(jwt.serialize());
    }

    private static PKCS8EncodedKeySpec pkcs8(String file) throws Exception {
        String pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body));
    }
}
