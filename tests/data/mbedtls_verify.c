#include <stdio.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/error.h>
int main(int argc, char **argv) {
    mbedtls_x509_crt ca; mbedtls_x509_crt_init(&ca);
    int ret = mbedtls_x509_crt_parse_file(&ca, argv[1]);
    if (ret != 0) { char buf[256]; mbedtls_strerror(ret, buf, sizeof buf); printf("refused: -0x%04x %s\n", -ret, buf); return 1; }
    if (argc > 2) {
        mbedtls_x509_crt chain; mbedtls_x509_crt_init(&chain);
        ret = mbedtls_x509_crt_parse_file(&chain, argv[2]);
        if (ret != 0) { char buf[256]; mbedtls_strerror(ret, buf, sizeof buf); printf("chain refused: %s\n", buf); return 1; }
        uint32_t flags = 0;
        ret = mbedtls_x509_crt_verify(&chain, &ca, NULL, argc > 3 ? argv[3] : NULL, &flags, NULL, NULL);
        if (ret != 0) { char buf[512]; mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags); printf("not verified: %s\n", buf); return 1; }
        printf("verified\n"); return 0;
    }
    printf("loaded\n"); return 0;
}
