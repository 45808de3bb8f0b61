"""The toolkit's validator, taught who the tester picked.

* `save_authorization_code` stores the pick (`DemoLogin`) with the hash of the code, in
  the transaction of the grant, with its audit entry;
* the claims (sub, the identification number, name, birthdate, gender, acr) come from
  that pick, found by the code at the token endpoint and by the ID token's `jti` (the
  pick's primary key) at the userinfo endpoint;
* `finalize_id_token` applies the deliberate faults a tester may ask for: an ID token
  that has already expired, or one signed with a throwaway key under the real key's
  `kid`. Development only: the provider is off in production.
"""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.db import transaction
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

from chinhquyenso.core.services import record_audit

from .models import DemoLogin, Fault

ACR_BY_LEVEL = {1: "LoA1", 2: "LoA2"}


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class DevIdpValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "acr": "openid",
        settings.OIDC_ID_NUMBER_CLAIM: "openid",
    }

    # --- the pick -------------------------------------------------------------------
    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        pick = getattr(request, "devidp_pick", None)
        with transaction.atomic():
            super().save_authorization_code(client_id, code, request, *args, **kwargs)
            if pick:
                login = DemoLogin.objects.create(code_hash=code_hash(code["code"]), **pick)
                record_audit(action="devidp.login_issued", obj=login, actor="devidp",
                             object_repr=str(login),
                             after={"level": login.level, "fault": login.fault})

    def _login_for(self, request) -> DemoLogin | None:
        code = getattr(request, "code", None)
        if code:
            return DemoLogin.objects.filter(code_hash=code_hash(code)).first()
        access_token = getattr(request, "access_token", None)
        id_token = getattr(access_token, "id_token", None)
        if id_token is not None:
            return DemoLogin.objects.filter(pk=id_token.jti).first()
        return None

    # --- claims -----------------------------------------------------------------------
    def get_claim_dict(self, request):
        login = self._login_for(request)
        if login is None:
            return {"sub": str(request.user.pk)}
        claims = {
            "sub": login.subject,
            "acr": ACR_BY_LEVEL[login.level],
            settings.OIDC_ID_NUMBER_CLAIM: login.id_number,
        }
        if login.full_name:
            claims["name"] = login.full_name
        if login.birth_date:
            claims["birthdate"] = login.birth_date.isoformat()
        if login.sex:
            claims["gender"] = login.sex
        return claims

    def get_discovery_claims(self, request):
        return ["sub", "acr", settings.OIDC_ID_NUMBER_CLAIM, "name", "birthdate", "gender"]

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        login = self._login_for(request)
        if login is not None:
            claims["jti"] = str(login.pk)  # one ID token per code: the pick is its id
        return claims, expiration_time

    def finalize_id_token(self, id_token, token, token_handler, request):
        login = self._login_for(request)
        fault = login.fault if login is not None else Fault.NONE
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        if fault == Fault.EXPIRED:
            now = int(time.time())
            id_token.update(iat=now - 900, auth_time=now - 900, exp=now - 600)

        key = request.client.jwk_key
        header = {"typ": "JWT", "alg": request.client.algorithm}
        if request.client.algorithm == request.client.RS256_ALGORITHM:
            header["kid"] = key.thumbprint()
        signing_key = key
        if fault == Fault.BAD_SIGNATURE:
            signing_key = jwk.JWK.generate(kty="RSA", size=2048)  # same kid, wrong key
        token_jwt = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        token_jwt.make_signed_token(signing_key)
        with transaction.atomic():
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return token_jwt.serialize()
