package effects

// Operations of the storage family, served by storage and sim-storage.
const (
	// StorageStore stores value under key, replacing any previous value.
	StorageStore OpID = "storage.store"
	// StorageRetrieve returns the bytes stored under key.
	StorageRetrieve OpID = "storage.retrieve"
	// StorageRemove removes key and its value.
	StorageRemove OpID = "storage.remove"
	// StorageListKeys returns the keys that start with prefix, as a list of strings in byte order.
	StorageListKeys OpID = "storage.list_keys"
	// StorageExists reports whether a value is stored under key.
	StorageExists OpID = "storage.exists"
	// StorageStoreBatch stores every entry of a map of key to bytes at once.
	StorageStoreBatch OpID = "storage.store_batch"
	// StorageRetrieveBatch reads several keys in one consistent snapshot.
	StorageRetrieveBatch OpID = "storage.retrieve_batch"
	// StorageStats describes the store.
	StorageStats OpID = "storage.stats"
	// StorageClearAll removes every key.
	StorageClearAll OpID = "storage.clear_all"
)

// Operations of the fault_injection family, served by sim-storage, for a simulator to inject
// storage faults.
const (
	// FaultInjectionInjectStorageFailure makes the following storage calls fail with a retryable error.
	FaultInjectionInjectStorageFailure OpID = "fault_injection.inject_storage_failure"
	// FaultInjectionClearFaults stops injecting storage failures.
	FaultInjectionClearFaults OpID = "fault_injection.clear_faults"
	// FaultInjectionStorageFaults describes fault injection.
	FaultInjectionStorageFaults OpID = "fault_injection.storage_faults"
)
