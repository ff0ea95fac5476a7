// Original file: proto/recommender/v1/recommender.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Batch as _recommender_v1_Batch, Batch__Output as _recommender_v1_Batch__Output } from '../../recommender/v1/Batch';
import type { CancelTrainingRequest as _recommender_v1_CancelTrainingRequest, CancelTrainingRequest__Output as _recommender_v1_CancelTrainingRequest__Output } from '../../recommender/v1/CancelTrainingRequest';
import type { DatasetDescription as _recommender_v1_DatasetDescription, DatasetDescription__Output as _recommender_v1_DatasetDescription__Output } from '../../recommender/v1/DatasetDescription';
import type { DeleteBatchesRequest as _recommender_v1_DeleteBatchesRequest, DeleteBatchesRequest__Output as _recommender_v1_DeleteBatchesRequest__Output } from '../../recommender/v1/DeleteBatchesRequest';
import type { DeleteBatchesResponse as _recommender_v1_DeleteBatchesResponse, DeleteBatchesResponse__Output as _recommender_v1_DeleteBatchesResponse__Output } from '../../recommender/v1/DeleteBatchesResponse';
import type { DeleteModelRequest as _recommender_v1_DeleteModelRequest, DeleteModelRequest__Output as _recommender_v1_DeleteModelRequest__Output } from '../../recommender/v1/DeleteModelRequest';
import type { DeleteModelResponse as _recommender_v1_DeleteModelResponse, DeleteModelResponse__Output as _recommender_v1_DeleteModelResponse__Output } from '../../recommender/v1/DeleteModelResponse';
import type { DescribeDatasetRequest as _recommender_v1_DescribeDatasetRequest, DescribeDatasetRequest__Output as _recommender_v1_DescribeDatasetRequest__Output } from '../../recommender/v1/DescribeDatasetRequest';
import type { ExportModelRequest as _recommender_v1_ExportModelRequest, ExportModelRequest__Output as _recommender_v1_ExportModelRequest__Output } from '../../recommender/v1/ExportModelRequest';
import type { ExportModelResponse as _recommender_v1_ExportModelResponse, ExportModelResponse__Output as _recommender_v1_ExportModelResponse__Output } from '../../recommender/v1/ExportModelResponse';
import type { GetModelRequest as _recommender_v1_GetModelRequest, GetModelRequest__Output as _recommender_v1_GetModelRequest__Output } from '../../recommender/v1/GetModelRequest';
import type { GetStatusRequest as _recommender_v1_GetStatusRequest, GetStatusRequest__Output as _recommender_v1_GetStatusRequest__Output } from '../../recommender/v1/GetStatusRequest';
import type { ImportBatchRequest as _recommender_v1_ImportBatchRequest, ImportBatchRequest__Output as _recommender_v1_ImportBatchRequest__Output } from '../../recommender/v1/ImportBatchRequest';
import type { ListBatchesRequest as _recommender_v1_ListBatchesRequest, ListBatchesRequest__Output as _recommender_v1_ListBatchesRequest__Output } from '../../recommender/v1/ListBatchesRequest';
import type { ListBatchesResponse as _recommender_v1_ListBatchesResponse, ListBatchesResponse__Output as _recommender_v1_ListBatchesResponse__Output } from '../../recommender/v1/ListBatchesResponse';
import type { ListModelVersionsRequest as _recommender_v1_ListModelVersionsRequest, ListModelVersionsRequest__Output as _recommender_v1_ListModelVersionsRequest__Output } from '../../recommender/v1/ListModelVersionsRequest';
import type { ListModelVersionsResponse as _recommender_v1_ListModelVersionsResponse, ListModelVersionsResponse__Output as _recommender_v1_ListModelVersionsResponse__Output } from '../../recommender/v1/ListModelVersionsResponse';
import type { ListModelsRequest as _recommender_v1_ListModelsRequest, ListModelsRequest__Output as _recommender_v1_ListModelsRequest__Output } from '../../recommender/v1/ListModelsRequest';
import type { ListModelsResponse as _recommender_v1_ListModelsResponse, ListModelsResponse__Output as _recommender_v1_ListModelsResponse__Output } from '../../recommender/v1/ListModelsResponse';
import type { Model as _recommender_v1_Model, Model__Output as _recommender_v1_Model__Output } from '../../recommender/v1/Model';
import type { RecommendAllRequest as _recommender_v1_RecommendAllRequest, RecommendAllRequest__Output as _recommender_v1_RecommendAllRequest__Output } from '../../recommender/v1/RecommendAllRequest';
import type { RecommendAllResponse as _recommender_v1_RecommendAllResponse, RecommendAllResponse__Output as _recommender_v1_RecommendAllResponse__Output } from '../../recommender/v1/RecommendAllResponse';
import type { RecommendRequest as _recommender_v1_RecommendRequest, RecommendRequest__Output as _recommender_v1_RecommendRequest__Output } from '../../recommender/v1/RecommendRequest';
import type { RecommendResponse as _recommender_v1_RecommendResponse, RecommendResponse__Output as _recommender_v1_RecommendResponse__Output } from '../../recommender/v1/RecommendResponse';
import type { RollbackModelRequest as _recommender_v1_RollbackModelRequest, RollbackModelRequest__Output as _recommender_v1_RollbackModelRequest__Output } from '../../recommender/v1/RollbackModelRequest';
import type { SimilarItemsRequest as _recommender_v1_SimilarItemsRequest, SimilarItemsRequest__Output as _recommender_v1_SimilarItemsRequest__Output } from '../../recommender/v1/SimilarItemsRequest';
import type { SimilarItemsResponse as _recommender_v1_SimilarItemsResponse, SimilarItemsResponse__Output as _recommender_v1_SimilarItemsResponse__Output } from '../../recommender/v1/SimilarItemsResponse';
import type { TrainRequest as _recommender_v1_TrainRequest, TrainRequest__Output as _recommender_v1_TrainRequest__Output } from '../../recommender/v1/TrainRequest';
import type { TrainingStatus as _recommender_v1_TrainingStatus, TrainingStatus__Output as _recommender_v1_TrainingStatus__Output } from '../../recommender/v1/TrainingStatus';
import type { WatchStatusRequest as _recommender_v1_WatchStatusRequest, WatchStatusRequest__Output as _recommender_v1_WatchStatusRequest__Output } from '../../recommender/v1/WatchStatusRequest';

export interface RecommenderClient extends grpc.Client {
  CancelTraining(argument: _recommender_v1_CancelTrainingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  CancelTraining(argument: _recommender_v1_CancelTrainingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  CancelTraining(argument: _recommender_v1_CancelTrainingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  CancelTraining(argument: _recommender_v1_CancelTrainingRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  cancelTraining(argument: _recommender_v1_CancelTrainingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  cancelTraining(argument: _recommender_v1_CancelTrainingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  cancelTraining(argument: _recommender_v1_CancelTrainingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  cancelTraining(argument: _recommender_v1_CancelTrainingRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  
  DeleteBatches(argument: _recommender_v1_DeleteBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  DeleteBatches(argument: _recommender_v1_DeleteBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  DeleteBatches(argument: _recommender_v1_DeleteBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  DeleteBatches(argument: _recommender_v1_DeleteBatchesRequest, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  deleteBatches(argument: _recommender_v1_DeleteBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  deleteBatches(argument: _recommender_v1_DeleteBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  deleteBatches(argument: _recommender_v1_DeleteBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  deleteBatches(argument: _recommender_v1_DeleteBatchesRequest, callback: grpc.requestCallback<_recommender_v1_DeleteBatchesResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteModel(argument: _recommender_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recommender_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recommender_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  DeleteModel(argument: _recommender_v1_DeleteModelRequest, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recommender_v1_DeleteModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recommender_v1_DeleteModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recommender_v1_DeleteModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  deleteModel(argument: _recommender_v1_DeleteModelRequest, callback: grpc.requestCallback<_recommender_v1_DeleteModelResponse__Output>): grpc.ClientUnaryCall;
  
  DescribeDataset(argument: _recommender_v1_DescribeDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  DescribeDataset(argument: _recommender_v1_DescribeDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  DescribeDataset(argument: _recommender_v1_DescribeDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  DescribeDataset(argument: _recommender_v1_DescribeDatasetRequest, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  describeDataset(argument: _recommender_v1_DescribeDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  describeDataset(argument: _recommender_v1_DescribeDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  describeDataset(argument: _recommender_v1_DescribeDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  describeDataset(argument: _recommender_v1_DescribeDatasetRequest, callback: grpc.requestCallback<_recommender_v1_DatasetDescription__Output>): grpc.ClientUnaryCall;
  
  ExportModel(argument: _recommender_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_ExportModelResponse__Output>;
  ExportModel(argument: _recommender_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_ExportModelResponse__Output>;
  exportModel(argument: _recommender_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_ExportModelResponse__Output>;
  exportModel(argument: _recommender_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_ExportModelResponse__Output>;
  
  GetModel(argument: _recommender_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recommender_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recommender_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  GetModel(argument: _recommender_v1_GetModelRequest, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recommender_v1_GetModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recommender_v1_GetModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recommender_v1_GetModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  getModel(argument: _recommender_v1_GetModelRequest, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  
  GetStatus(argument: _recommender_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _recommender_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _recommender_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _recommender_v1_GetStatusRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _recommender_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _recommender_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _recommender_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _recommender_v1_GetStatusRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  
  ImportBatch(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  ImportBatch(metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  ImportBatch(options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  ImportBatch(callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  importBatch(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  importBatch(metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  importBatch(options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  importBatch(callback: grpc.requestCallback<_recommender_v1_Batch__Output>): grpc.ClientWritableStream<_recommender_v1_ImportBatchRequest>;
  
  ListBatches(argument: _recommender_v1_ListBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _recommender_v1_ListBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _recommender_v1_ListBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _recommender_v1_ListBatchesRequest, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _recommender_v1_ListBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _recommender_v1_ListBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _recommender_v1_ListBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _recommender_v1_ListBatchesRequest, callback: grpc.requestCallback<_recommender_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  
  ListModelVersions(argument: _recommender_v1_ListModelVersionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  ListModelVersions(argument: _recommender_v1_ListModelVersionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  ListModelVersions(argument: _recommender_v1_ListModelVersionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  ListModelVersions(argument: _recommender_v1_ListModelVersionsRequest, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  listModelVersions(argument: _recommender_v1_ListModelVersionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  listModelVersions(argument: _recommender_v1_ListModelVersionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  listModelVersions(argument: _recommender_v1_ListModelVersionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  listModelVersions(argument: _recommender_v1_ListModelVersionsRequest, callback: grpc.requestCallback<_recommender_v1_ListModelVersionsResponse__Output>): grpc.ClientUnaryCall;
  
  ListModels(argument: _recommender_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recommender_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recommender_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _recommender_v1_ListModelsRequest, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recommender_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recommender_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recommender_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _recommender_v1_ListModelsRequest, callback: grpc.requestCallback<_recommender_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
  Recommend(argument: _recommender_v1_RecommendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recommender_v1_RecommendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recommender_v1_RecommendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recommender_v1_RecommendRequest, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recommender_v1_RecommendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recommender_v1_RecommendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recommender_v1_RecommendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recommender_v1_RecommendRequest, callback: grpc.requestCallback<_recommender_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  
  RecommendAll(argument: _recommender_v1_RecommendAllRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_RecommendAllResponse__Output>;
  RecommendAll(argument: _recommender_v1_RecommendAllRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_RecommendAllResponse__Output>;
  recommendAll(argument: _recommender_v1_RecommendAllRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_RecommendAllResponse__Output>;
  recommendAll(argument: _recommender_v1_RecommendAllRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_RecommendAllResponse__Output>;
  
  RollbackModel(argument: _recommender_v1_RollbackModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  RollbackModel(argument: _recommender_v1_RollbackModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  RollbackModel(argument: _recommender_v1_RollbackModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  RollbackModel(argument: _recommender_v1_RollbackModelRequest, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  rollbackModel(argument: _recommender_v1_RollbackModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  rollbackModel(argument: _recommender_v1_RollbackModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  rollbackModel(argument: _recommender_v1_RollbackModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  rollbackModel(argument: _recommender_v1_RollbackModelRequest, callback: grpc.requestCallback<_recommender_v1_Model__Output>): grpc.ClientUnaryCall;
  
  SimilarItems(argument: _recommender_v1_SimilarItemsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  SimilarItems(argument: _recommender_v1_SimilarItemsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  SimilarItems(argument: _recommender_v1_SimilarItemsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  SimilarItems(argument: _recommender_v1_SimilarItemsRequest, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  similarItems(argument: _recommender_v1_SimilarItemsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  similarItems(argument: _recommender_v1_SimilarItemsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  similarItems(argument: _recommender_v1_SimilarItemsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  similarItems(argument: _recommender_v1_SimilarItemsRequest, callback: grpc.requestCallback<_recommender_v1_SimilarItemsResponse__Output>): grpc.ClientUnaryCall;
  
  Train(argument: _recommender_v1_TrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  Train(argument: _recommender_v1_TrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  Train(argument: _recommender_v1_TrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  Train(argument: _recommender_v1_TrainRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  train(argument: _recommender_v1_TrainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  train(argument: _recommender_v1_TrainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  train(argument: _recommender_v1_TrainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  train(argument: _recommender_v1_TrainRequest, callback: grpc.requestCallback<_recommender_v1_TrainingStatus__Output>): grpc.ClientUnaryCall;
  
  WatchStatus(argument: _recommender_v1_WatchStatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_TrainingStatus__Output>;
  WatchStatus(argument: _recommender_v1_WatchStatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_TrainingStatus__Output>;
  watchStatus(argument: _recommender_v1_WatchStatusRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_TrainingStatus__Output>;
  watchStatus(argument: _recommender_v1_WatchStatusRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_recommender_v1_TrainingStatus__Output>;
  
}

export interface RecommenderHandlers extends grpc.UntypedServiceImplementation {
  CancelTraining: grpc.handleUnaryCall<_recommender_v1_CancelTrainingRequest__Output, _recommender_v1_TrainingStatus>;
  
  DeleteBatches: grpc.handleUnaryCall<_recommender_v1_DeleteBatchesRequest__Output, _recommender_v1_DeleteBatchesResponse>;
  
  DeleteModel: grpc.handleUnaryCall<_recommender_v1_DeleteModelRequest__Output, _recommender_v1_DeleteModelResponse>;
  
  DescribeDataset: grpc.handleUnaryCall<_recommender_v1_DescribeDatasetRequest__Output, _recommender_v1_DatasetDescription>;
  
  ExportModel: grpc.handleServerStreamingCall<_recommender_v1_ExportModelRequest__Output, _recommender_v1_ExportModelResponse>;
  
  GetModel: grpc.handleUnaryCall<_recommender_v1_GetModelRequest__Output, _recommender_v1_Model>;
  
  GetStatus: grpc.handleUnaryCall<_recommender_v1_GetStatusRequest__Output, _recommender_v1_TrainingStatus>;
  
  ImportBatch: grpc.handleClientStreamingCall<_recommender_v1_ImportBatchRequest__Output, _recommender_v1_Batch>;
  
  ListBatches: grpc.handleUnaryCall<_recommender_v1_ListBatchesRequest__Output, _recommender_v1_ListBatchesResponse>;
  
  ListModelVersions: grpc.handleUnaryCall<_recommender_v1_ListModelVersionsRequest__Output, _recommender_v1_ListModelVersionsResponse>;
  
  ListModels: grpc.handleUnaryCall<_recommender_v1_ListModelsRequest__Output, _recommender_v1_ListModelsResponse>;
  
  Recommend: grpc.handleUnaryCall<_recommender_v1_RecommendRequest__Output, _recommender_v1_RecommendResponse>;
  
  RecommendAll: grpc.handleServerStreamingCall<_recommender_v1_RecommendAllRequest__Output, _recommender_v1_RecommendAllResponse>;
  
  RollbackModel: grpc.handleUnaryCall<_recommender_v1_RollbackModelRequest__Output, _recommender_v1_Model>;
  
  SimilarItems: grpc.handleUnaryCall<_recommender_v1_SimilarItemsRequest__Output, _recommender_v1_SimilarItemsResponse>;
  
  Train: grpc.handleUnaryCall<_recommender_v1_TrainRequest__Output, _recommender_v1_TrainingStatus>;
  
  WatchStatus: grpc.handleServerStreamingCall<_recommender_v1_WatchStatusRequest__Output, _recommender_v1_TrainingStatus>;
  
}

export interface RecommenderDefinition extends grpc.ServiceDefinition {
  CancelTraining: MethodDefinition<_recommender_v1_CancelTrainingRequest, _recommender_v1_TrainingStatus, _recommender_v1_CancelTrainingRequest__Output, _recommender_v1_TrainingStatus__Output>
  DeleteBatches: MethodDefinition<_recommender_v1_DeleteBatchesRequest, _recommender_v1_DeleteBatchesResponse, _recommender_v1_DeleteBatchesRequest__Output, _recommender_v1_DeleteBatchesResponse__Output>
  DeleteModel: MethodDefinition<_recommender_v1_DeleteModelRequest, _recommender_v1_DeleteModelResponse, _recommender_v1_DeleteModelRequest__Output, _recommender_v1_DeleteModelResponse__Output>
  DescribeDataset: MethodDefinition<_recommender_v1_DescribeDatasetRequest, _recommender_v1_DatasetDescription, _recommender_v1_DescribeDatasetRequest__Output, _recommender_v1_DatasetDescription__Output>
  ExportModel: MethodDefinition<_recommender_v1_ExportModelRequest, _recommender_v1_ExportModelResponse, _recommender_v1_ExportModelRequest__Output, _recommender_v1_ExportModelResponse__Output>
  GetModel: MethodDefinition<_recommender_v1_GetModelRequest, _recommender_v1_Model, _recommender_v1_GetModelRequest__Output, _recommender_v1_Model__Output>
  GetStatus: MethodDefinition<_recommender_v1_GetStatusRequest, _recommender_v1_TrainingStatus, _recommender_v1_GetStatusRequest__Output, _recommender_v1_TrainingStatus__Output>
  ImportBatch: MethodDefinition<_recommender_v1_ImportBatchRequest, _recommender_v1_Batch, _recommender_v1_ImportBatchRequest__Output, _recommender_v1_Batch__Output>
  ListBatches: MethodDefinition<_recommender_v1_ListBatchesRequest, _recommender_v1_ListBatchesResponse, _recommender_v1_ListBatchesRequest__Output, _recommender_v1_ListBatchesResponse__Output>
  ListModelVersions: MethodDefinition<_recommender_v1_ListModelVersionsRequest, _recommender_v1_ListModelVersionsResponse, _recommender_v1_ListModelVersionsRequest__Output, _recommender_v1_ListModelVersionsResponse__Output>
  ListModels: MethodDefinition<_recommender_v1_ListModelsRequest, _recommender_v1_ListModelsResponse, _recommender_v1_ListModelsRequest__Output, _recommender_v1_ListModelsResponse__Output>
  Recommend: MethodDefinition<_recommender_v1_RecommendRequest, _recommender_v1_RecommendResponse, _recommender_v1_RecommendRequest__Output, _recommender_v1_RecommendResponse__Output>
  RecommendAll: MethodDefinition<_recommender_v1_RecommendAllRequest, _recommender_v1_RecommendAllResponse, _recommender_v1_RecommendAllRequest__Output, _recommender_v1_RecommendAllResponse__Output>
  RollbackModel: MethodDefinition<_recommender_v1_RollbackModelRequest, _recommender_v1_Model, _recommender_v1_RollbackModelRequest__Output, _recommender_v1_Model__Output>
  SimilarItems: MethodDefinition<_recommender_v1_SimilarItemsRequest, _recommender_v1_SimilarItemsResponse, _recommender_v1_SimilarItemsRequest__Output, _recommender_v1_SimilarItemsResponse__Output>
  Train: MethodDefinition<_recommender_v1_TrainRequest, _recommender_v1_TrainingStatus, _recommender_v1_TrainRequest__Output, _recommender_v1_TrainingStatus__Output>
  WatchStatus: MethodDefinition<_recommender_v1_WatchStatusRequest, _recommender_v1_TrainingStatus, _recommender_v1_WatchStatusRequest__Output, _recommender_v1_TrainingStatus__Output>
}
