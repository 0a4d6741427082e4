package org.studybridge.fhirtestserver;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Set;

/**
 * HAPI's validation support chain caches the StructureDefinitions, ValueSets and CodeSystems it
 * has resolved. Creating or updating one refreshes that cache, but deleting one or running
 * $expunge does not: after a reset, tests would still be validated against the profiles of an
 * earlier test. This clears the caches once such a request has finished.
 */
@Interceptor
public class ValidationCacheReset {

	private static final Set<String> CONFORMANCE_TYPES = Set.of("StructureDefinition", "ValueSet", "CodeSystem");

	private final IValidationSupport validationSupportChain;

	public ValidationCacheReset(IValidationSupport validationSupportChain) {
		this.validationSupportChain = validationSupportChain;
	}

	@Hook(Pointcut.SERVER_PROCESSING_COMPLETED_NORMALLY)
	public void afterRequest(RequestDetails request) {
		boolean expunge = "$expunge".equals(request.getOperation());
		boolean conformanceDelete = request.getRestOperationType() == RestOperationTypeEnum.DELETE
				&& CONFORMANCE_TYPES.contains(request.getResourceName());
		if (expunge || conformanceDelete) {
			validationSupportChain.invalidateCaches();
		}
	}
}
