import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { readProject, writeProject } from '../auth/project-scope';
import { IdParamPipe } from '../http/id-param.pipe';
import { nodeRequestOf, PlatformRequest } from '../http/node-request';
import { EmptyUploadError, FileNotFoundError } from './file-errors';
import { FileResponse, toFileResponse } from './file.response';
import { QuotaService } from '../limits/quota.service';
import { FilesService } from './files.service';
import { receiveUpload, UPLOAD_FIELD } from './multipart-upload';
import { SniffingUploadStorage } from './upload-storage';

const FILE_ID = new IdParamPipe(() => new FileNotFoundError());

@ApiTags('files')
@Controller('api/files')
@Roles('viewer')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly quotas: QuotaService,
    private readonly uploads: SniffingUploadStorage,
  ) {}

  @Post()
  @Roles('operator')
  @Audit('file.upload')
  @HttpCode(201)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: { [UPLOAD_FIELD]: { type: 'string', format: 'binary' } },
      required: [UPLOAD_FIELD],
    },
  })
  @ApiOperation({ summary: 'Upload a CSV file or an image for a task' })
  async upload(
    @Req() request: PlatformRequest,
    @Caller() caller: Principal,
  ): Promise<FileResponse> {
    const file = await receiveUpload(nodeRequestOf(request), this.uploads);
    if (!file) throw new EmptyUploadError();
    const project = writeProject(caller);
    try {
      await this.quotas.checkStorage(project, file.size);
    } catch (error) {
      await this.uploads.discard(file);
      throw error;
    }
    return toFileResponse(await this.files.register(file, file.originalname, project));
  }

  @Get(':id')
  @ApiOperation({ summary: "An upload's metadata" })
  async get(@Param('id', FILE_ID) id: string, @Caller() caller: Principal): Promise<FileResponse> {
    return toFileResponse(await this.files.get(id, readProject(caller)));
  }
}
